namespace Avalon.Primitives;

/// <summary>
/// How many inputs a primitive's <see cref="Primitive.InputNames"/> allow: every plain name is required,
/// trailing names ending in <c>?</c> are optional, and a last name ending in <c>...</c> takes any number.
/// </summary>
internal sealed class InputArity
{
    /// <summary>No declared names: any count passes (the shape rule checks it).</summary>
    public static readonly InputArity Undeclared = new(0, int.MaxValue, "");

    private InputArity(int min, int max, string names)
    {
        Min = min;
        Max = max;
        Names = names;
    }

    /// <summary>The fewest inputs a call takes.</summary>
    public int Min { get; }

    /// <summary>The most inputs a call takes (<see cref="int.MaxValue"/> for a variadic last input).</summary>
    public int Max { get; }

    /// <summary>The names, comma-separated, as the error message lists them.</summary>
    public string Names { get; }

    /// <summary>The arity of <paramref name="names"/> (<see cref="Undeclared"/> for null).</summary>
    /// <exception cref="ArgumentException">An optional name before a required one, or a variadic name that is not last.</exception>
    public static InputArity Of(IReadOnlyList<string>? names)
    {
        if (names is null) return Undeclared;
        int min = 0, max = 0;
        bool optionalSeen = false;
        for (int i = 0; i < names.Count; i++)
        {
            var name = names[i];
            if (name.EndsWith("...", StringComparison.Ordinal))
            {
                if (i != names.Count - 1)
                    throw OpErrors.Argument("InputNames", $"the variadic input '{name}' must be the last one (names: {string.Join(", ", names)}).");
                max = int.MaxValue;
            }
            else if (name.EndsWith('?'))
            {
                optionalSeen = true;
                max++;
            }
            else
            {
                if (optionalSeen)
                    throw OpErrors.Argument("InputNames", $"the required input '{name}' follows an optional one (names: {string.Join(", ", names)}).");
                min++;
                max++;
            }
        }
        return new InputArity(min, max, string.Join(", ", names));
    }

    /// <summary>"expected 2 inputs (input, other), got 3." and its variants for optional and variadic inputs.</summary>
    public string Describe(int count)
    {
        string expected = Max == int.MaxValue ? $"at least {Plural(Min)}"
            : Min == Max ? Plural(Min)
            : $"{Min} to {Max} inputs";
        return $"expected {expected} ({Names}), got {count}.";
    }

    private static string Plural(int n) => n == 1 ? "1 input" : $"{n} inputs";
}
