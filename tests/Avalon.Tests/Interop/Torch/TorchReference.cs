using System.Text.Json;

namespace Avalon.Tests.Interop.Torch;

/// <summary>
/// The files <c>tests/reference/torch_files.py</c> wrote with PyTorch (<c>Data/Torch/*.pt</c>) and the
/// values PyTorch saw in them (<c>*.json</c>: dtype, shape and the elements as float64, exact for every dtype).
/// </summary>
internal static class TorchReference
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Data", "Torch");

    public static string File(string name) => Path.Combine(Folder, name);

    public static JsonElement Expected(string name) =>
        JsonDocument.Parse(System.IO.File.ReadAllText(File(name + ".json"))).RootElement;

    /// <summary>The dtype Avalon loads a PyTorch dtype as.</summary>
    public static DType LoadedAs(string torchDType) => torchDType switch
    {
        "float32" or "float16" or "bfloat16" => DType.Float32,
        "float64" => DType.Float64,
        "int64" => DType.Int64,
        "int32" or "int16" or "int8" or "uint8" => DType.Int32,
        "bool" => DType.Bool,
        _ => throw new ArgumentException(torchDType),
    };

    /// <summary>Asserts that <paramref name="actual"/> has the loaded dtype, the shape and exactly the values of <paramref name="expected"/>.</summary>
    public static void AssertMatches(string key, JsonElement expected, Tensor actual)
    {
        Assert.True(LoadedAs(expected.GetProperty("dtype").GetString()!) == actual.DType, $"{key}: dtype {actual.DType.Name()} for {expected.GetProperty("dtype")}");
        var shape = expected.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.True(shape.SequenceEqual(actual.Shape.ToArray()), $"{key}: shape {actual.Shape} for [{string.Join(", ", shape)}]");
        var values = expected.GetProperty("values").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var flat = actual.DType == DType.Bool ? actual.To(DType.Int64).To(DType.Float64) : actual.To(DType.Float64);
        var got = flat.Reshape(-1).ToArray<double>();
        Assert.Equal(values.Length, got.Length);
        for (int i = 0; i < values.Length; i++)
            Assert.True(values[i] == got[i], $"{key}[{i}]: {got[i]} for {values[i]}");
    }
}
