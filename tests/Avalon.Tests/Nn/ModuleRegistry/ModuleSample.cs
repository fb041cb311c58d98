namespace Avalon.Tests.Nn.ModuleRegistry;

/// <summary>A sample call of a module: its inputs and the output shape its documentation promises.</summary>
internal sealed record ModuleSample(int[] OutputShape, InputSpec[] Inputs)
{
    /// <summary>Draws every input from <paramref name="generator"/>, floating-point ones in <paramref name="dtype"/>.</summary>
    public Tensor[] CreateInputs(Generator generator, DType dtype)
    {
        var inputs = new Tensor[Inputs.Length];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = Inputs[i].Create(generator, dtype);
        return inputs;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"({string.Join(", ", Inputs.Select(i => i.ToString()))}) -> [{string.Join(", ", OutputShape)}]";
}
