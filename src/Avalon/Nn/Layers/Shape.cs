using System.Globalization;

namespace Avalon.Nn;

/// <summary>
/// Returns its input unchanged (PyTorch's <c>nn.Identity</c>): a placeholder, e.g. to remove a
/// classifier head while keeping the model's structure.
/// </summary>
/// <remarks><b>Shape:</b> any; output = input.</remarks>
public class Identity : Module
{
    /// <summary>Returns <paramref name="input"/> itself.</summary>
    public override Tensor Forward(Tensor input) => input;
}

/// <summary>
/// Flattens dims <c>start_dim..end_dim</c> into one (PyTorch's <c>nn.Flatten</c>; by default every dim
/// but the batch dim).
/// </summary>
/// <remarks><b>Shape:</b> input <c>[*, S_start, ..., S_end, *]</c>; output
/// <c>[*, S_start · ... · S_end, *]</c>.</remarks>
public class Flatten : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="startDim">First dim to flatten (default 1, keeping the batch dim).</param>
    /// <param name="endDim">Last dim to flatten (default -1, the last).</param>
    public Flatten(int startDim = 1, int endDim = -1)
    {
        StartDim = startDim;
        EndDim = endDim;
    }

    /// <summary>First dim to flatten.</summary>
    public int StartDim { get; }

    /// <summary>Last dim to flatten.</summary>
    public int EndDim { get; }

    /// <summary>Flattens the dims (a view when the layout allows).</summary>
    public override Tensor Forward(Tensor input) => input.Flatten(StartDim, EndDim);

    /// <inheritdoc />
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"start_dim={StartDim}, end_dim={EndDim}");
}

/// <summary>
/// Splits one dim into several (PyTorch's <c>nn.Unflatten</c>), the inverse of <see cref="Flatten"/>.
/// </summary>
/// <remarks><b>Shape:</b> input <c>[*, S_dim, *]</c>; output <c>[*, U_1, ..., U_n, *]</c> with
/// <c>∏U = S_dim</c> (one U may be -1 and is inferred).</remarks>
public class Unflatten : Module
{
    private readonly int[] _unflattenedSize;

    /// <summary>Creates the layer.</summary>
    /// <param name="dim">The dim to split (negative counts from the end).</param>
    /// <param name="unflattenedSize">The sizes it becomes; at most one may be -1.</param>
    public Unflatten(int dim, int[] unflattenedSize)
    {
        ArgumentNullException.ThrowIfNull(unflattenedSize);
        if (unflattenedSize.Length == 0)
            throw OpErrors.Argument("Unflatten", "unflattened_size must have at least one dimension.", nameof(unflattenedSize));
        Dim = dim;
        _unflattenedSize = (int[])unflattenedSize.Clone();
    }

    /// <summary>The dim to split.</summary>
    public int Dim { get; }

    /// <summary>The sizes the dim becomes.</summary>
    public IReadOnlyList<int> UnflattenedSize => _unflattenedSize;

    /// <summary>Splits the dim.</summary>
    /// <exception cref="ArgumentException">The sizes do not multiply to the size of the dim.</exception>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        int rank = input.Rank;
        if (Dim >= rank || Dim < -rank || rank == 0)
            throw OpErrors.Argument("unflatten", $"dim {Dim} is out of range for an input of shape {input.Shape}.");
        int d = Dim < 0 ? Dim + rank : Dim;
        int size = input.Size(d), known = 1, inferred = -1;
        for (int i = 0; i < _unflattenedSize.Length; i++)
        {
            if (_unflattenedSize[i] == -1 && inferred < 0) inferred = i;
            else known *= _unflattenedSize[i];
        }
        bool fits = inferred >= 0 ? known > 0 && size % known == 0 : known == size;
        if (!fits)
            throw OpErrors.Argument(
                "unflatten", $"provided sizes {FormatSizes()} don't multiply up to the size of dim {Dim} ({size}) in the input of shape {input.Shape}.");
        var shape = input.Shape.ToArray();
        return input.Reshape([.. shape[..d], .. _unflattenedSize, .. shape[(d + 1)..]]);
    }

    /// <inheritdoc />
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"dim={Dim}, unflattened_size={FormatSizes()}");

    private string FormatSizes() =>
        "(" + string.Join(", ", _unflattenedSize) + (_unflattenedSize.Length == 1 ? ",)" : ")");
}
