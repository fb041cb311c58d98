namespace Avalon.Tests.Nn.ModuleRegistry;

/// <summary>A sample call of a module: its inputs and the output shape its documentation promises.</summary>
/// <remarks>A module with several outputs (an RNN's output and h_n) lists each output's shape in
/// <see cref="OutputShapes"/>; the generic tests then see the outputs flattened and concatenated, and
/// <see cref="OutputShape"/> is that concatenation's length.</remarks>
internal sealed record ModuleSample(int[] OutputShape, InputSpec[] Inputs)
{
    /// <summary>The shape of each output of a multi-output module, in order; null for a module with one output.</summary>
    public int[][]? OutputShapes { get; init; }

    /// <summary>A sample of a multi-output module: the outputs' shapes and the inputs.</summary>
    public static ModuleSample Many(int[][] outputShapes, params InputSpec[] inputs)
    {
        int total = 0;
        foreach (var shape in outputShapes) total += shape.Aggregate(1, (a, d) => a * d);
        return new ModuleSample([total], inputs) { OutputShapes = outputShapes };
    }

    /// <summary>Draws every input from <paramref name="generator"/>, floating-point ones in <paramref name="dtype"/>.</summary>
    public Tensor[] CreateInputs(Generator generator, DType dtype)
    {
        var inputs = new Tensor[Inputs.Length];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = Inputs[i].Create(generator, dtype);
        return inputs;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"({string.Join(", ", Inputs.Select(i => i.ToString()))}) -> " +
        (OutputShapes is null ? $"[{string.Join(", ", OutputShape)}]" : string.Join(", ", OutputShapes.Select(o => $"[{string.Join(", ", o)}]")));
}
