using System.Globalization;

namespace Avalon.Tests.Compiler.Properties;

/// <summary>
/// One step of a <see cref="RandomProgram"/>: an operation (<see cref="Op"/>, one of the names
/// <see cref="RandomProgram"/> interprets) over earlier values (the program's inputs first, then one value
/// per step), with its integer parameters (axes, shapes, slice bounds) and one number (a scalar operand,
/// an exponent, keepdim as 0/1). <see cref="Shape"/> and <see cref="Range"/> are what the generator
/// inferred for the result.
/// </summary>
internal sealed record ProgramStep(string Op, int[] Args, int[] Ints, double Number, int[] Shape, ValueRange Range)
{
    /// <summary>The step as one line: <c>exp(%1)</c> with its parameters, result shape and range.</summary>
    public string Describe(int id)
    {
        var parts = new List<string>(Args.Select(a => "%" + a));
        if (Ints.Length > 0) parts.Add("[" + string.Join(",", Ints) + "]");
        if (Number != 0 || Op.EndsWith("_s", StringComparison.Ordinal)) parts.Add(Number.ToString("R", CultureInfo.InvariantCulture));
        return $"%{id} = {Op}({string.Join(", ", parts)})  : [{string.Join(",", Shape)}] in {Range}";
    }
}
