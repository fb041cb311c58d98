using CsCheck;

namespace Avalon.Tests.Compiler.Properties;

/// <summary>The generator of random programs and the settings every compiler property samples with.</summary>
internal static class ProgramProperties
{
    /// <summary>Relative tolerance of compiled against eager results.</summary>
    public const double Rtol = 1e-4;

    /// <summary>Absolute tolerance of compiled against eager results.</summary>
    public const double Atol = 1e-5;

    /// <summary>
    /// Random programs of 3 to 25 steps over 1 to 4 inputs: the counts, a choice sequence
    /// (<see cref="RandomProgramBuilder"/>) and a seed for the input and captured values. CsCheck shrinks
    /// a failure towards fewer inputs and steps (a prefix of the same program) and shorter choice sequences.
    /// </summary>
    public static readonly Gen<RandomProgram> Programs =
        Gen.Select(Gen.Int[1, 4], Gen.Int[3, 25], Gen.Int[0, 9999].Array[4, 120], Gen.Int[1, 1 << 20],
            (inputs, steps, choices, seed) => RandomProgramBuilder.Build(inputs, steps, choices, (ulong)seed));

    /// <summary>
    /// Random programs of 3 to 12 steps whose inputs are [256, 257] or broadcast into it: elementwise calls
    /// of 64K elements and more split their work into chunks run in parallel.
    /// </summary>
    public static readonly Gen<RandomProgram> LargePrograms =
        Gen.Select(Gen.Int[1, 3], Gen.Int[3, 12], Gen.Int[0, 9999].Array[4, 60], Gen.Int[1, 1 << 20],
            (inputs, steps, choices, seed) => RandomProgramBuilder.Build(inputs, steps, choices, (ulong)seed, large: true));

    /// <summary>Random programs some of whose steps write in place (<c>x.Mul_(0.5)</c>) into an input or into a value read before.</summary>
    public static readonly Gen<RandomProgram> InputWritingPrograms =
        Gen.Select(Gen.Int[1, 4], Gen.Int[3, 25], Gen.Int[0, 9999].Array[4, 120], Gen.Int[1, 1 << 20],
            (inputs, steps, choices, seed) => RandomProgramBuilder.Build(inputs, steps, choices, (ulong)seed, inputWrites: true, valueWrites: true));

    /// <summary>Random programs some of whose steps write in place (<c>v.Mul_(0.5)</c>) into a value read before (never into an input: these can be differentiated).</summary>
    public static readonly Gen<RandomProgram> ValueWritingPrograms =
        Gen.Select(Gen.Int[1, 4], Gen.Int[3, 25], Gen.Int[0, 9999].Array[4, 120], Gen.Int[1, 1 << 20],
            (inputs, steps, choices, seed) => RandomProgramBuilder.Build(inputs, steps, choices, (ulong)seed, valueWrites: true));

    /// <summary>
    /// Samples <paramref name="gen"/> <paramref name="iterations"/> times on one thread (tracing and the
    /// kernel caches are exercised as a user's single thread does) and prints a failing case in full; CsCheck
    /// reports the seed that reproduces it (pass it as <paramref name="seed"/> to rerun just that case).
    /// </summary>
    /// <remarks>
    /// <c>AVALON_PROPERTY_SCALE</c> (an integer, default 1) multiplies every property's iterations, for a
    /// longer search than the few seconds each takes in the ordinary test run.
    /// </remarks>
    public static void Check<T>(Gen<T> gen, Action<T> property, int iterations, string? seed = null) =>
        gen.Sample(property, seed: seed, iter: iterations * Scale, threads: 1, print: x => x?.ToString() ?? "null");

    private static int Scale =>
        int.TryParse(Environment.GetEnvironmentVariable("AVALON_PROPERTY_SCALE"), out int scale) && scale > 0 ? scale : 1;
}
