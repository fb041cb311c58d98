using System.Collections;
using System.Reflection;
using Avalon.Nn;
using Module = Avalon.Nn.Module;

namespace Avalon.Distributed;

/// <summary>
/// The walk behind <see cref="SyncBatchNorm.ConvertSyncBatchNorm"/>: every place a module holds a child
/// (the containers' indexers, and the fields, auto-properties, arrays and lists the module discovery reads),
/// with each BatchNorm replaced by a SyncBatchNorm in that place.
/// </summary>
internal sealed class SyncBatchNormConversion
{
    private const BindingFlags InstanceFields = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    /// <summary>
    /// Converts every BatchNorm below <paramref name="root"/> (not <paramref name="root"/> itself). Every
    /// place is checked before any is written, so a model that cannot be converted is left unchanged.
    /// </summary>
    public static void ConvertChildren(Module root)
    {
        var walk = new SyncBatchNormConversion();
        walk.Convert(root);
        // A BatchNorm the walk did not reach is held where it cannot write (a child yielded from code).
        foreach (var (path, m) in root.NamedModules())
            if (m is BatchNormNd bn and not SyncBatchNorm && !walk.Replaced.ContainsKey(bn))
                throw new InvalidOperationException(
                    $"ConvertSyncBatchNorm: '{path}' ({m.GetType().Name}) of {root.GetType().Name} is not held in a field, property, array, list, Sequential, ModuleList or ModuleDict, so it cannot be replaced; construct a SyncBatchNorm there instead.");
        foreach (var write in walk.Writes) write();
    }

    private readonly HashSet<Module> _visited = new(ReferenceEqualityComparer.Instance);

    // The SyncBatchNorm made for each BatchNorm reached, and the writes that put them in place.
    private Dictionary<BatchNormNd, SyncBatchNorm> Replaced { get; } = new(ReferenceEqualityComparer.Instance);

    private List<Action> Writes { get; } = [];

    private void Convert(Module module)
    {
        if (!_visited.Add(module)) return;
        switch (module)
        {
            case Sequential sequential:
                for (int i = 0; i < sequential.Count; i++)
                    if (Visit(sequential[i]) is SyncBatchNorm c && !ReferenceEquals(c, sequential[i]))
                    {
                        int at = i;
                        Writes.Add(() => sequential[at] = c);
                    }
                break;
            case ModuleList list:
                for (int i = 0; i < list.Count; i++)
                    if (Visit(list[i]) is SyncBatchNorm c && !ReferenceEquals(c, list[i]))
                    {
                        int at = i;
                        Writes.Add(() => list[at] = c);
                    }
                break;
            case ModuleDict dict:
                foreach (var key in dict.Keys.ToList())
                    if (Visit(dict[key]) is SyncBatchNorm c && !ReferenceEquals(c, dict[key]))
                        Writes.Add(() => dict[key] = c);
                break;
        }
        for (var type = module.GetType(); type is not null && type != typeof(Module); type = type.BaseType)
            foreach (var field in type.GetFields(InstanceFields))
            {
                if (IsIgnored(type, field)) continue;
                switch (field.GetValue(module))
                {
                    case Module child:
                        var converted = Visit(child);
                        if (!ReferenceEquals(converted, child))
                        {
                            RequireAssignable(field.FieldType, module, field);
                            Writes.Add(() => field.SetValue(module, converted));
                        }
                        break;
                    case Module?[] array:
                        for (int i = 0; i < array.Length; i++)
                            if (array[i] is { } element && Visit(element) is var c && !ReferenceEquals(c, element))
                            {
                                RequireAssignable(array.GetType().GetElementType()!, module, field);
                                int at = i;
                                Writes.Add(() => array[at] = c);
                            }
                        break;
                    case IList list when field.FieldType.IsGenericType && !list.IsReadOnly:
                        var elementType = field.FieldType.GetGenericArguments()[0];
                        if (!typeof(Module).IsAssignableFrom(elementType)) break;
                        for (int i = 0; i < list.Count; i++)
                            if (list[i] is Module element && Visit(element) is var c && !ReferenceEquals(c, element))
                            {
                                RequireAssignable(elementType, module, field);
                                int at = i;
                                Writes.Add(() => list[at] = c);
                            }
                        break;
                }
            }
    }

    // A BatchNorm becomes its SyncBatchNorm (the same one wherever it is shared); any other module is walked.
    private Module Visit(Module child)
    {
        if (child is BatchNormNd bn and not SyncBatchNorm)
        {
            if (!Replaced.TryGetValue(bn, out var sync)) Replaced[bn] = sync = SyncBatchNorm.From(bn);
            return sync;
        }
        Convert(child);
        return child;
    }

    private static void RequireAssignable(Type declared, Module owner, FieldInfo field)
    {
        if (!declared.IsAssignableFrom(typeof(SyncBatchNorm)))
            throw new InvalidOperationException(
                $"ConvertSyncBatchNorm: {owner.GetType().Name}.{MemberName(field)} is declared as {declared.Name}, which cannot hold a SyncBatchNorm; declare it as BatchNormNd (or Module), or construct a SyncBatchNorm there.");
    }

    private static bool IsIgnored(Type type, FieldInfo field)
    {
        if (field.IsDefined(typeof(IgnoreAttribute), true)) return true;
        string name = MemberName(field);
        return name != field.Name && type.GetProperty(name, InstanceFields)?.IsDefined(typeof(IgnoreAttribute), true) == true;
    }

    // An auto-property's backing field "<Bn1>k__BackingField" is shown as "Bn1".
    private static string MemberName(FieldInfo field)
    {
        int end = field.Name.IndexOf(">k__BackingField", StringComparison.Ordinal);
        return end > 0 ? field.Name[1..end] : field.Name;
    }
}
