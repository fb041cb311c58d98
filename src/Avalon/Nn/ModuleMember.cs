using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Avalon.Nn;

/// <summary>What a discovered member of a module holds.</summary>
internal enum ModuleMemberKind
{
    /// <summary>A trainable tensor.</summary>
    Parameter,

    /// <summary>A tensor marked <see cref="BufferAttribute"/>.</summary>
    Buffer,

    /// <summary>A submodule.</summary>
    Child,
}

/// <summary>
/// One field (or auto-property, through its backing field) of a module type that holds a parameter,
/// a buffer or a submodule, alone or as a list/array. Found once per type by reflection and cached.
/// </summary>
internal sealed class ModuleMember
{
    private static readonly ConcurrentDictionary<Type, ModuleMember[]> s_cache = new();

    private ModuleMember(FieldInfo field, string name, ModuleMemberKind kind, bool persistent, bool isCollection)
    {
        Field = field;
        Name = name;
        Kind = kind;
        Persistent = persistent;
        IsCollection = isCollection;
    }

    /// <summary>The field read and written (the backing field of an auto-property).</summary>
    public FieldInfo Field { get; }

    /// <summary>The key in dotted paths (snake-cased member name or <see cref="StateNameAttribute"/>).</summary>
    public string Name { get; }

    /// <summary>Parameter, buffer or child.</summary>
    public ModuleMemberKind Kind { get; }

    /// <summary>For buffers: whether they go into the state dict.</summary>
    public bool Persistent { get; }

    /// <summary>True for arrays and lists, whose elements are named <c>name.0</c>, <c>name.1</c>, ...</summary>
    public bool IsCollection { get; }

    /// <summary>The members of <paramref name="type"/> (a <see cref="Module"/> subclass), base class first, in declaration order.</summary>
    public static ModuleMember[] For(Type type) => s_cache.GetOrAdd(type, Discover);

    /// <summary>
    /// A C# member name as a PyTorch key: leading underscores dropped, an underscore before each capital
    /// that follows a lower-case letter or digit, then lower case (<c>RunningMean</c> → <c>running_mean</c>).
    /// </summary>
    public static string SnakeCase(string name)
    {
        name = name.TrimStart('_');
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]))) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    private static ModuleMember[] Discover(Type type)
    {
        var chain = new List<Type>();
        for (var t = type; t is not null && t != typeof(Module); t = t.BaseType) chain.Add(t);
        chain.Reverse();
        var members = new List<ModuleMember>();
        var names = new Dictionary<string, string>();
        foreach (var t in chain)
        {
            var fields = t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly);
            Array.Sort(fields, (a, b) => a.MetadataToken.CompareTo(b.MetadataToken));
            foreach (var field in fields)
            {
                var member = TryCreate(t, field);
                if (member is null) continue;
                if (names.TryGetValue(member.Name, out var other))
                    throw new InvalidOperationException(
                        $"Module {type.Name}: members '{other}' and '{DisplayName(field)}' both map to the key '{member.Name}'. Rename one or give it [StateName(\"...\")].");
                names.Add(member.Name, DisplayName(field));
                members.Add(member);
            }
        }
        return members.ToArray();
    }

    private static ModuleMember? TryCreate(Type declaring, FieldInfo field)
    {
        // Auto-properties are found through their backing fields, which keeps declaration order across
        // fields and properties; attributes may sit on the property or on the field.
        MemberInfo source = field;
        string memberName = field.Name;
        if (field.Name.StartsWith('<'))
        {
            int end = field.Name.IndexOf(">k__BackingField", StringComparison.Ordinal);
            if (end < 0) return null;
            memberName = field.Name[1..end];
            source = declaring.GetProperty(memberName,
                BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly) ?? (MemberInfo)field;
        }
        else if (field.IsDefined(typeof(CompilerGeneratedAttribute)))
        {
            return null;
        }
        if (Has<IgnoreAttribute>(field, source)) return null;

        var (kind, isCollection) = Classify(field.FieldType);
        if (kind is null) return null;
        var buffer = Get<BufferAttribute>(field, source);
        if (buffer is not null)
        {
            if (kind != ModuleMemberKind.Parameter)
                throw new InvalidOperationException(
                    $"Module {declaring.Name}: [Buffer] on '{memberName}' of type {field.FieldType.Name}; only Tensor members can be buffers.");
            kind = ModuleMemberKind.Buffer;
        }
        string name = Get<StateNameAttribute>(field, source)?.Name ?? SnakeCase(memberName);
        if (name.Length == 0)
            throw new InvalidOperationException($"Module {declaring.Name}: member '{memberName}' has an empty key; give it [StateName(\"...\")].");
        return new ModuleMember(field, name, kind.Value, buffer?.Persistent ?? true, isCollection);
    }

    private static (ModuleMemberKind? Kind, bool IsCollection) Classify(Type type)
    {
        if (type == typeof(Tensor)) return (ModuleMemberKind.Parameter, false);
        if (typeof(Module).IsAssignableFrom(type)) return (ModuleMemberKind.Child, false);
        var element = ElementType(type);
        if (element is null) return (null, false);
        if (element == typeof(Tensor)) return (ModuleMemberKind.Parameter, true);
        if (typeof(Module).IsAssignableFrom(element)) return (ModuleMemberKind.Child, true);
        return (null, false);
    }

    private static Type? ElementType(Type type)
    {
        if (type.IsArray) return type.GetArrayRank() == 1 ? type.GetElementType() : null;
        if (!type.IsGenericType && !type.IsInterface && type.GetInterfaces().Length == 0) return null;
        foreach (var candidate in type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces())
        {
            if (!candidate.IsGenericType) continue;
            var def = candidate.GetGenericTypeDefinition();
            if (def == typeof(IList<>) || def == typeof(IReadOnlyList<>)) return candidate.GetGenericArguments()[0];
        }
        return null;
    }

    private static bool Has<T>(FieldInfo field, MemberInfo source) where T : Attribute =>
        field.IsDefined(typeof(T), true) || source.IsDefined(typeof(T), true);

    private static T? Get<T>(FieldInfo field, MemberInfo source) where T : Attribute =>
        source.GetCustomAttribute<T>(true) ?? field.GetCustomAttribute<T>(true);

    private static string DisplayName(FieldInfo field)
    {
        int end = field.Name.IndexOf(">k__BackingField", StringComparison.Ordinal);
        return end > 0 ? field.Name[1..end] : field.Name;
    }

    /// <summary>The values this member holds in <paramref name="owner"/>, with their keys and a way to replace each.</summary>
    public void Collect(Module owner, List<ModuleEntry> into)
    {
        var value = Field.GetValue(owner);
        if (value is null) return;
        if (!IsCollection)
        {
            into.Add(new ModuleEntry(Name, Kind, Persistent, value, this, owner, -1));
            return;
        }
        int i = 0;
        foreach (var item in (IEnumerable)value)
        {
            if (item is not null) into.Add(new ModuleEntry(Name + "." + i.ToString(System.Globalization.CultureInfo.InvariantCulture), Kind, Persistent, item, this, owner, i));
            i++;
        }
    }

    /// <summary>Replaces the value at <paramref name="index"/> (-1 for a single member) in <paramref name="owner"/>.</summary>
    public void Set(Module owner, int index, object? value)
    {
        if (index < 0)
        {
            Field.SetValue(owner, value);
            return;
        }
        if (Field.GetValue(owner) is IList list && !list.IsReadOnly)
        {
            list[index] = value;
            return;
        }
        throw new InvalidOperationException(
            $"Module {owner.GetType().Name}: cannot replace element {index} of '{DisplayName(Field)}' because its collection type {Field.FieldType.Name} is read-only. Use an array or List<T>.");
    }
}

/// <summary>One parameter, buffer or child held directly by a module, with its local key.</summary>
internal readonly record struct ModuleEntry(string Name, ModuleMemberKind Kind, bool Persistent, object Value,
    ModuleMember? Member, Module Owner, int Index, Action<object?>? Setter = null)
{
    /// <summary>Replaces the value in its owner (used by To, FunctionalCall, SetState).</summary>
    public void Set(object? value)
    {
        if (Setter is not null)
        {
            Setter(value);
            return;
        }
        if (Member is null && Kind == ModuleMemberKind.Parameter && Owner.IsRegistered(Name))
        {
            Owner.ReplaceRegistered(Name, (Tensor?)value);
            return;
        }
        if (Member is null)
            throw new InvalidOperationException($"Module {Owner.GetType().Name}: '{Name}' cannot be replaced.");
        Member.Set(Owner, Index, value);
    }
}
