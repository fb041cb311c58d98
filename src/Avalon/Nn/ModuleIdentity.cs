using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;

namespace Avalon.Nn;

/// <summary>
/// The identity of a module tree as a compiled model depends on it: the root's training mode and every
/// module, parameter and buffer object in a fixed walk order (each field member, each element of a list
/// member, each registered parameter, then the extra tensors and children, recursing into every child
/// where it is met). Captured once; <see cref="Matches"/> walks the tree again and compares object by
/// object, building no paths, lists or sets, so that a compiled call can confirm its last signature
/// still holds without allocating.
/// </summary>
/// <remarks>
/// Discovery reads fields by reflection, so an assignment cannot be observed; the walk therefore reads
/// every member on every check. Null members, and the end of every list, are walked as markers, so two
/// trees give the same sequence only when they hold the same objects in the same places. A module that
/// overrides <see cref="Module.AdditionalTensors"/>, or <see cref="Module.AdditionalChildren"/> without
/// the indexed form the built-in containers give, is walked through those enumerations (correct, but
/// they may allocate). The walk of a tree that has grown a cycle stops once it passes the captured length.
/// </remarks>
internal sealed class ModuleIdentity
{
    private static readonly object s_null = new(), s_end = new();

    private readonly object[] _objects;
    private readonly bool _training;

    private ModuleIdentity(object[] objects, bool training)
    {
        _objects = objects;
        _training = training;
    }

    /// <summary>Records <paramref name="root"/>'s tree as it is now (a tree without cycles: the full signature has checked it).</summary>
    public static ModuleIdentity Capture(Module root)
    {
        var sink = new Recording(new List<object>());
        Walk(root, ref sink);
        return new ModuleIdentity([.. sink.Objects], root.Training);
    }

    /// <summary>Whether <paramref name="root"/> has the captured training mode and holds the captured objects in the same places.</summary>
    public bool Matches(Module root)
    {
        if (root.Training != _training) return false;
        var sink = new Comparing(_objects);
        return Walk(root, ref sink) && sink.Index == _objects.Length;
    }

    private interface ISink
    {
        /// <summary>Takes the next object of the walk; false stops it.</summary>
        bool Visit(object value);
    }

    private readonly struct Recording(List<object> objects) : ISink
    {
        public List<object> Objects => objects;

        public bool Visit(object value)
        {
            objects.Add(value);
            return true;
        }
    }

    private struct Comparing(object[] expected) : ISink
    {
        public int Index;

        public bool Visit(object value) => Index < expected.Length && ReferenceEquals(expected[Index++], value);
    }

    private static bool Walk<TSink>(Module module, ref TSink sink) where TSink : struct, ISink
    {
        if (!sink.Visit(module)) return false;
        var type = TypeInfo.For(module.GetType());
        foreach (var member in type.Members)
        {
            object? value = member.Field.GetValue(module);
            bool child = member.Kind == ModuleMemberKind.Child;
            if (!member.IsCollection)
            {
                if (!Item(value, child, ref sink)) return false;
                continue;
            }
            if (value is null)
            {
                if (!sink.Visit(s_null)) return false;
                continue;
            }
            if (!sink.Visit(value)) return false;
            if (value is IList list)
            {
                for (int i = 0; i < list.Count; i++)
                    if (!Item(list[i], child, ref sink)) return false;
            }
            else
            {
                foreach (var item in (IEnumerable)value)
                    if (!Item(item, child, ref sink)) return false;
            }
            if (!sink.Visit(s_end)) return false;
        }
        for (int i = 0; i < module.RegisteredParameterCount; i++)
            if (!Item(module.RegisteredParameterAt(i), false, ref sink)) return false;
        if (!sink.Visit(s_end)) return false;
        if (type.HasAdditionalTensors)
        {
            foreach (var slot in module.AdditionalTensorSlots())
                if (!Item(slot.Value, false, ref sink)) return false;
            if (!sink.Visit(s_end)) return false;
        }
        if (type.HasAdditionalChildren)
        {
            if (type.AdditionalChildrenIndexed && module.AdditionalChildList is { } children)
            {
                for (int i = 0; i < children.Count; i++)
                    if (!Item(children[i], true, ref sink)) return false;
            }
            else
            {
                foreach (var c in module.AdditionalChildEntries())
                    if (!Item(c.Value, true, ref sink)) return false;
            }
            if (!sink.Visit(s_end)) return false;
        }
        return true;
    }

    private static bool Item<TSink>(object? value, bool child, ref TSink sink) where TSink : struct, ISink
    {
        if (value is null) return sink.Visit(s_null);
        return child && value is Module m ? Walk(m, ref sink) : sink.Visit(value);
    }

    /// <summary>What the walk needs of a module type, found once by reflection.</summary>
    private sealed class TypeInfo
    {
        private static readonly ConcurrentDictionary<Type, TypeInfo> s_cache = new();

        private TypeInfo(Type type)
        {
            Members = ModuleMember.For(type);
            const BindingFlags Flags = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
            var tensors = type.GetMethod("AdditionalTensors", Flags, Type.EmptyTypes)!.DeclaringType;
            var children = type.GetMethod("AdditionalChildren", Flags, Type.EmptyTypes)!.DeclaringType;
            var indexed = type.GetMethod("get_" + nameof(Module.AdditionalChildList), Flags, Type.EmptyTypes)!.DeclaringType;
            HasAdditionalTensors = tensors != typeof(Module);
            HasAdditionalChildren = children != typeof(Module);
            AdditionalChildrenIndexed = indexed == children;
        }

        public ModuleMember[] Members { get; }

        public bool HasAdditionalTensors { get; }

        public bool HasAdditionalChildren { get; }

        /// <summary>The type that defines the extra children also gives them by index (<see cref="Module.AdditionalChildList"/>).</summary>
        public bool AdditionalChildrenIndexed { get; }

        public static TypeInfo For(Type type) => s_cache.GetOrAdd(type, t => new TypeInfo(t));
    }
}
