namespace Avalon.Data.Transforms;

/// <summary>
/// Flattens dimensions <see cref="StartDim"/>..<see cref="EndDim"/> into one, for example an image
/// <c>[1, 28, 28]</c> into a vector <c>[784]</c> for a multi-layer perceptron.
/// </summary>
/// <param name="startDim">The first dimension to flatten. Default 0.</param>
/// <param name="endDim">The last dimension to flatten (negative counts from the end). Default -1.</param>
public sealed class Flatten(int startDim = 0, int endDim = -1) : ITransform
{
    /// <summary>The first dimension to flatten.</summary>
    public int StartDim { get; } = startDim;

    /// <summary>The last dimension to flatten.</summary>
    public int EndDim { get; } = endDim;

    /// <inheritdoc/>
    public Tensor Apply(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank == 0) return input.ReshapeNoGrad([1]);
        int s = ShapeUtil.NormalizeDim(StartDim, input.Rank, "Flatten"), e = ShapeUtil.NormalizeDim(EndDim, input.Rank, "Flatten");
        if (s > e) throw OpErrors.Argument("Flatten", $"start_dim ({StartDim}) cannot come after end_dim ({EndDim}) for shape {input.Shape}.");
        var dims = input.Shape.ToArray();
        int merged = 1;
        for (int i = s; i <= e; i++) merged *= dims[i];
        int[] shape = [.. dims[..s], merged, .. dims[(e + 1)..]];
        return input.ReshapeNoGrad(shape);
    }

    /// <inheritdoc/>
    public override string ToString() => $"Flatten(start_dim={StartDim}, end_dim={EndDim})";
}
