using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Avalon.Onnx.Tests.Export;

/// <summary>Runs a serialised model in ONNX Runtime on Avalon tensors and returns its outputs as Avalon tensors.</summary>
internal static class OrtRunner
{
    public static Tensor[] Run(byte[] model, Tensor[] inputs)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(model, options);
        var names = session.InputMetadata.Keys.ToArray();
        Assert.Equal(inputs.Length, names.Length);
        var feeds = new List<NamedOnnxValue>();
        for (int i = 0; i < inputs.Length; i++) feeds.Add(ToOrt(names[i], inputs[i]));
        using var results = session.Run(feeds);
        return results.Select(FromOrt).ToArray();
    }

    private static NamedOnnxValue ToOrt(string name, Tensor t)
    {
        var dims = t.Shape.ToArray();
        return t.DType switch
        {
            DType.Float32 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(t.ToArray<float>(), dims)),
            DType.Float64 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<double>(t.ToArray<double>(), dims)),
            DType.Int64 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(t.ToArray<long>(), dims)),
            DType.Int32 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<int>(t.ToArray<int>(), dims)),
            DType.Bool => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<bool>(t.ToArray<bool>(), dims)),
            _ => throw new NotSupportedException(t.DType.ToString()),
        };
    }

    private static Tensor FromOrt(DisposableNamedOnnxValue v) => v.Value switch
    {
        DenseTensor<float> f => Tensor.From(f.ToArray()).Reshape(f.Dimensions.ToArray()),
        DenseTensor<double> d => Tensor.From(d.ToArray()).Reshape(d.Dimensions.ToArray()),
        DenseTensor<long> l => Tensor.From(l.ToArray()).Reshape(l.Dimensions.ToArray()),
        DenseTensor<int> i => Tensor.From(i.ToArray()).Reshape(i.Dimensions.ToArray()),
        DenseTensor<bool> b => Tensor.From(b.ToArray()).Reshape(b.Dimensions.ToArray()),
        var other => throw new NotSupportedException($"output '{v.Name}' of type {other?.GetType().Name}"),
    };

    /// <summary>Asserts that two outputs have one shape and dtype and agree within |a − e| ≤ tol·(1 + |e|) (NaN matching NaN).</summary>
    public static void AssertClose(Tensor expected, Tensor actual, string what, double tolerance = 1e-4)
    {
        Assert.True(expected.Shape == actual.Shape, $"{what}: shape {actual.Shape}, expected {expected.Shape}");
        Assert.True(expected.DType == actual.DType, $"{what}: dtype {actual.DType}, expected {expected.DType}");
        var e = expected.ToDoubleArray();
        var a = actual.ToDoubleArray();
        for (int i = 0; i < e.Length; i++)
        {
            if (double.IsNaN(e[i]) && double.IsNaN(a[i])) continue;
            if (e[i] == a[i]) continue;
            Assert.True(Math.Abs(a[i] - e[i]) <= tolerance * (1 + Math.Abs(e[i])), $"{what}[{i}]: {a[i]}, expected {e[i]}");
        }
    }
}
