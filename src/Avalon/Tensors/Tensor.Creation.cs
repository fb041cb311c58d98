using Avalon.Backends;
using Avalon.Primitives;
using Avalon.Primitives.Random;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>The default dtype for creation functions that are not told one (float32, like PyTorch).</summary>
    public static DType DefaultDType { get; set; } = DType.Float32;

    [ThreadStatic] private static Device? t_defaultDevice;

    /// <summary>
    /// The device creation functions use when they are not told one (PyTorch's <c>torch.get_default_device()</c>):
    /// the CPU unless a <see cref="DeviceScope"/> is open on this thread. <see cref="From{T}(T[], int[])"/>,
    /// <see cref="Full"/> and the functions built on it (<see cref="Zeros(int[])"/>, <see cref="Ones(int[])"/>,
    /// <see cref="Scalar(double, DType?, Device?)"/>), <see cref="Arange(long, long, long, DType?)"/>,
    /// <see cref="Linspace"/>, <see cref="Eye"/> and the random ones follow it, and so do the parameters
    /// a module creates.
    /// </summary>
    public static Device DefaultDevice
    {
        get => t_defaultDevice ?? Device.Cpu;
        internal set => t_defaultDevice = value == Device.Cpu ? null : value;
    }

    private static int[] CheckShape(ReadOnlySpan<int> shape, string op)
    {
        foreach (int d in shape)
            if (d < 0) throw OpErrors.Argument(op, $"sizes must be non-negative, got shape {ShapeUtil.Format(shape)}.");
        return shape.ToArray();
    }

    /// <summary>A 1-D tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor From<T>(T[] data) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        return From(data, [data.Length]);
    }

    /// <summary>
    /// A tensor holding a copy of <paramref name="data"/> with the given shape. An empty shape gives a
    /// 0-dimensional tensor, as <c>torch.tensor(1.0)</c>, and needs exactly one element.
    /// </summary>
    public static Tensor From<T>(T[] data, params int[] shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        var dims = CheckShape(shape, "Tensor.From");
        if (ShapeUtil.Numel(dims) != data.Length)
            throw new ArgumentException(dims.Length == 0
                ? $"Tensor.From: a 0-dimensional tensor (shape []) holds exactly 1 element, got {data.Length}."
                : $"Tensor.From: {data.Length} elements cannot have shape {ShapeUtil.Format(dims)} ({ShapeUtil.Numel(dims)} elements).");
        var dtype = DTypeInfo.Of<T>();
        return new Tensor(Backend.For(DefaultDevice).FromHost(data.Clone() as T[] ?? [], dtype), dims);
    }

    /// <summary>A tensor from a (possibly multi-dimensional) array such as <c>new float[,] {{1, 2}, {3, 4}}</c>.</summary>
    public static Tensor From(Array data)
    {
        var type = data.GetType().GetElementType()!;
        var shape = new int[data.Rank];
        for (int i = 0; i < data.Rank; i++) shape[i] = data.GetLength(i);
        if (type == typeof(float)) return From(data.Cast<float>().ToArray(), shape);
        if (type == typeof(double)) return From(data.Cast<double>().ToArray(), shape);
        if (type == typeof(int)) return From(data.Cast<int>().ToArray(), shape);
        if (type == typeof(long)) return From(data.Cast<long>().ToArray(), shape);
        if (type == typeof(bool)) return From(data.Cast<bool>().ToArray(), shape);
        throw OpErrors.NotSupported("Tensor.From", $"arrays of {type.Name} are not supported; use float, double, int, long or bool.");
    }

    /// <summary>A 0-dimensional tensor holding one value.</summary>
    public static Tensor Scalar(double value, DType? dtype = null, Device? device = null) =>
        Full([], value, dtype, device);

    /// <summary>A 0-dimensional float32 tensor.</summary>
    public static Tensor Scalar(float value) => Full([], value, DType.Float32);

    /// <summary>A tensor of the given shape filled with <paramref name="value"/>.</summary>
    public static Tensor Full(int[] shape, double value, DType? dtype = null, Device? device = null)
    {
        var t = Empty(CheckShape(shape, "full"), dtype ?? DefaultDType, device ?? DefaultDevice);
        if (value != 0) t.Storage.Backend.Fill(t, value);
        return t;
    }

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(params int[] shape) => Full(shape, 0);

    /// <summary>A tensor of zeros of the given dtype and device.</summary>
    public static Tensor Zeros(int[] shape, DType dtype, Device? device = null) => Full(shape, 0, dtype, device);

    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(params int[] shape) => Full(shape, 1);

    /// <summary>A tensor of ones of the given dtype and device.</summary>
    public static Tensor Ones(int[] shape, DType dtype, Device? device = null) => Full(shape, 1, dtype, device);

    /// <summary>Zeros shaped like <paramref name="t"/> (same dtype and device).</summary>
    public static Tensor ZerosLike(Tensor t) => Full(t._shape, 0, t.DType, t.Device);

    /// <summary>Ones shaped like <paramref name="t"/> (same dtype and device).</summary>
    public static Tensor OnesLike(Tensor t) => Full(t._shape, 1, t.DType, t.Device);

    /// <summary>A tensor filled with <paramref name="value"/> shaped like <paramref name="t"/>.</summary>
    public static Tensor FullLike(Tensor t, double value) => Full(t._shape, value, t.DType, t.Device);

    /// <summary>
    /// Values from <paramref name="start"/> up to (not including) <paramref name="end"/> by
    /// <paramref name="step"/> (PyTorch's <c>arange</c> with floating-point arguments): the default
    /// dtype (<see cref="DefaultDType"/>, float32) unless a dtype is given.
    /// </summary>
    public static Tensor Arange(double start, double end, double step = 1, DType? dtype = null)
    {
        if (step == 0) throw OpErrors.Argument("arange", "step must be nonzero.");
        if ((end - start) / step < 0) throw OpErrors.Argument("arange", $"upper bound and larger bound inconsistent with step sign (start={start}, end={end}, step={step}).");
        int n = (int)Math.Ceiling((end - start) / step);
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = start + i * step;
        return From(values).To(dtype ?? DefaultDType);
    }

    /// <summary>
    /// Values from <paramref name="start"/> up to (not including) <paramref name="end"/> by
    /// <paramref name="step"/> (PyTorch's <c>arange</c> with integer arguments): int64 unless a dtype is given.
    /// </summary>
    public static Tensor Arange(long start, long end, long step = 1, DType? dtype = null)
    {
        if (step == 0) throw OpErrors.Argument("arange", "step must be nonzero.");
        if (end != start && (end > start) != (step > 0))
            throw OpErrors.Argument("arange", $"upper bound and larger bound inconsistent with step sign (start={start}, end={end}, step={step}).");
        // ceil((end - start) / step) in integers, without overflow for the sizes a tensor can hold.
        Int128 span = (Int128)end - start, stride = step;
        Int128 count = span == 0 ? 0 : (span + stride - (step > 0 ? 1 : -1)) / stride;
        if (count > int.MaxValue)
            throw OpErrors.Argument("arange", $"{count} elements (start={start}, end={end}, step={step}) exceed the largest tensor ({int.MaxValue} elements).");
        int n = (int)count;
        var values = new long[n];
        for (int i = 0; i < n; i++) values[i] = start + i * step;
        var result = From(values);
        return dtype is null || dtype == DType.Int64 ? result : result.To(dtype.Value);
    }

    /// <summary>Values 0, 1, ..., <paramref name="end"/> - 1: int64 unless a dtype is given, as <c>torch.arange(6)</c>.</summary>
    public static Tensor Arange(long end, DType? dtype = null) => Arange(0L, end, 1L, dtype);

    /// <summary>Values 0, 1, ... below <paramref name="end"/>: the default dtype unless a dtype is given, as <c>torch.arange(6.)</c>.</summary>
    public static Tensor Arange(double end, DType? dtype = null) => Arange(0.0, end, 1.0, dtype);

    /// <summary><paramref name="steps"/> evenly spaced values from <paramref name="start"/> to <paramref name="end"/> inclusive.</summary>
    public static Tensor Linspace(double start, double end, int steps, DType? dtype = null)
    {
        if (steps < 0) throw OpErrors.Argument("linspace", $"number of steps must be non-negative, got {steps}.");
        var values = new double[steps];
        double step = steps > 1 ? (end - start) / (steps - 1) : 0;
        // PyTorch fills the first half from the start and the second half from the end, for symmetry.
        int half = steps / 2;
        for (int i = 0; i < steps; i++) values[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
        return From(values).To(dtype ?? DefaultDType);
    }

    /// <summary>A 2-D tensor with ones on the diagonal.</summary>
    public static Tensor Eye(int n, int? m = null, DType? dtype = null)
    {
        int cols = m ?? n;
        var values = new double[n * cols];
        for (int i = 0; i < Math.Min(n, cols); i++) values[i * cols + i] = 1;
        return From(values, n, cols).To(dtype ?? DefaultDType);
    }

    /// <summary>
    /// Uniform samples in [0, 1) (the <c>rand</c> primitive): a seed drawn from <paramref name="generator"/>
    /// (the default generator when null) fixes the values, so the same generator state gives the same
    /// tensor; while a tape traces, the draw is a tape value and each replay draws afresh. The values are
    /// computed on <paramref name="device"/> (<see cref="DefaultDevice"/> when null) and are the same on every device.
    /// </summary>
    public static Tensor Rand(int[] shape, Generator? generator = null, DType? dtype = null, Device? device = null) =>
        RandomPrimitives.Rand.Invoke(Attributes.Of(("shape", CheckShape(shape, "rand")), ("dtype", dtype ?? DefaultDType)),
            SeedOn(generator, device ?? DefaultDevice));

    /// <summary>Uniform samples in [0, 1) (default generator).</summary>
    public static Tensor Rand(params int[] shape) => Rand(shape, null);

    /// <summary>Standard normal samples (the <c>randn</c> primitive; seeded like <see cref="Rand(int[], Generator?, DType?, Device?)"/>).</summary>
    public static Tensor Randn(int[] shape, Generator? generator = null, DType? dtype = null, Device? device = null) =>
        RandomPrimitives.Randn.Invoke(Attributes.Of(("shape", CheckShape(shape, "randn")), ("dtype", dtype ?? DefaultDType)),
            SeedOn(generator, device ?? DefaultDevice));

    /// <summary>Standard normal samples (default generator).</summary>
    public static Tensor Randn(params int[] shape) => Randn(shape, null);

    /// <summary>
    /// Uniform integers in [<paramref name="low"/>, <paramref name="high"/>) (int64 by default; the
    /// <c>randint</c> primitive, seeded like <see cref="Rand(int[], Generator?, DType?, Device?)"/>).
    /// </summary>
    public static Tensor RandInt(long low, long high, int[] shape, Generator? generator = null, DType dtype = DType.Int64, Device? device = null)
    {
        if (high <= low) throw new ArgumentException($"random integer: expected low < high, got [{low}, {high}).");
        return RandomPrimitives.RandInt.Invoke(
            Attributes.Of(("low", low), ("high", high), ("shape", CheckShape(shape, "randint")), ("dtype", dtype)),
            SeedOn(generator, device ?? DefaultDevice));
    }

    /// <summary>
    /// A seed drawn from <paramref name="generator"/> (the default one when null) on <paramref name="device"/>:
    /// seeds are drawn on the host, and a random primitive computing elsewhere gets its seed moved there
    /// (a recorded <c>to_device</c>, so a replayed tape moves each fresh draw too).
    /// </summary>
    internal static Tensor SeedOn(Generator? generator, Device device) => (generator ?? Generator.Default).NextSeed().To(device);

    /// <summary>An int64 0-d tensor on the CPU, whatever the default device.</summary>
    internal static Tensor HostScalar(long value) => new(Backend.For(Device.Cpu).FromHost(new[] { value }, DType.Int64), []);

    /// <summary>Reinterprets a dense tensor with another shape of the same size, recording nothing.</summary>
    internal Tensor ReshapeNoGrad(int[] shape)
    {
        var src = ContiguousNoGrad();
        return new Tensor(src.Storage, (int[])shape.Clone(), ShapeUtil.ContiguousStrides(shape), src.Offset);
    }
}
