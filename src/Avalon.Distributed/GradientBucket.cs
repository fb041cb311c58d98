namespace Avalon.Distributed;

/// <summary>
/// Parameters whose gradients are all-reduced together (one <c>MPI_Iallreduce</c> over their flattened
/// gradients, of one dtype), started as soon as the last of them is ready.
/// </summary>
internal sealed class GradientBucket
{
    private readonly int[] _offsets;
    private Array? _flat;
    private MpiRequest? _request;
    private readonly HashSet<Tensor> _ready = new(ReferenceEqualityComparer.Instance);

    public GradientBucket(int index, IReadOnlyList<Tensor> parameters)
    {
        Index = index;
        Parameters = [.. parameters];
        DType = Parameters[0].DType;
        _offsets = new int[Parameters.Length + 1];
        for (int i = 0; i < Parameters.Length; i++) _offsets[i + 1] = _offsets[i] + Parameters[i].Numel;
    }

    public int Index { get; }

    public Tensor[] Parameters { get; }

    public DType DType { get; }

    public int Elements => _offsets[^1];

    public long Bytes => (long)Elements * (DType == DType.Float64 ? 8 : 4);

    public bool IsLaunched => _request is not null;

    public bool IsComplete => _ready.Count == Parameters.Length;

    /// <summary>Marks a parameter's gradient ready; true when it was one of this bucket's.</summary>
    public bool MarkReady(Tensor parameter) => Array.IndexOf(Parameters, parameter) >= 0 && _ready.Add(parameter);

    /// <summary>Flattens the gradients (zeros for a parameter without one) and starts their all-reduce.</summary>
    public void Launch()
    {
        var pieces = new Tensor[Parameters.Length];
        for (int i = 0; i < Parameters.Length; i++)
        {
            var p = Parameters[i];
            pieces[i] = (p.Grad ?? Tensor.Zeros(p.Shape.ToArray(), p.DType, p.Device)).Reshape(-1);
        }
        var flat = pieces.Length == 1 ? pieces[0] : Tensor.Cat(pieces);
        if (DType == DType.Float64)
        {
            var values = flat.ToArray<double>();
            _flat = values;
            _request = Mpi.StartAllReduce(values, 0, values.Length);
        }
        else
        {
            var values = flat.ToArray<float>();
            _flat = values;
            _request = Mpi.StartAllReduce(values, 0, values.Length);
        }
    }

    /// <summary>Lets MPI progress the all-reduce (no wait).</summary>
    public void Poke() => _request?.Test();

    /// <summary>Waits for the all-reduce, divides by <paramref name="worldSize"/> and writes each parameter's gradient.</summary>
    public void Finish(ProcessGroup group, int worldSize)
    {
        group.Wait(_request!);
        Tensor reduced;
        if (_flat is double[] d)
        {
            double scale = 1.0 / worldSize;
            for (int i = 0; i < d.Length; i++) d[i] *= scale;
            reduced = Tensor.From(d);
        }
        else
        {
            var f = (float[])_flat!;
            float scale = 1f / worldSize;
            for (int i = 0; i < f.Length; i++) f[i] *= scale;
            reduced = Tensor.From(f);
        }
        using var noGrad = new Autodiff.NoGrad();
        for (int i = 0; i < Parameters.Length; i++)
        {
            var p = Parameters[i];
            var slice = reduced.Narrow(0, _offsets[i], _offsets[i + 1] - _offsets[i]).Reshape(p.Shape.ToArray());
            if (slice.Device != p.Device) slice = slice.To(p.Device);
            if (p.Grad is { } g && g.Shape == p.Shape && g.IsContiguous && !g.RequiresGrad) g.Copy_(slice);
            else p.Grad = slice.Clone();
        }
        Reset();
    }

    public void Reset()
    {
        _ready.Clear();
        _request = null;
        _flat = null;
    }
}
