using Onnx;

namespace Avalon.Onnx;

/// <summary>
/// Reads the external data of an initialiser (<c>data_location = EXTERNAL</c>): the file named by
/// <c>location</c>, relative to the model's folder, from <c>offset</c> for <c>length</c> bytes. Only
/// relative paths that stay inside the model's folder are accepted (no rooted paths, no <c>..</c>
/// components, no link that leads outside).
/// </summary>
internal static class OnnxExternalData
{
    public static byte[] Read(TensorProto proto, string? baseDirectory)
    {
        string? location = null;
        long offset = 0, length = -1;
        foreach (var entry in proto.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset": offset = ParseLong(entry.Value, "offset", proto); break;
                case "length": length = ParseLong(entry.Value, "length", proto); break;
            }
        }
        if (string.IsNullOrEmpty(location))
            throw new InvalidDataException($"onnx: tensor '{proto.Name}' has external data without a location.");
        if (baseDirectory is null)
            throw new InvalidDataException($"onnx: tensor '{proto.Name}' has external data ('{location}') but the model was not loaded from a folder; load it from a path or pass the folder.");
        string path = ResolveSafe(baseDirectory, location, proto.Name);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long available = stream.Length - offset;
        if (offset < 0 || available < 0)
            throw new InvalidDataException($"onnx: tensor '{proto.Name}': external data offset {offset} is outside '{location}' ({stream.Length} bytes).");
        if (length < 0) length = available;
        if (length > available || length > int.MaxValue)
            throw new InvalidDataException($"onnx: tensor '{proto.Name}': external data of {length} bytes at offset {offset} does not fit in '{location}' ({stream.Length} bytes).");
        var bytes = new byte[length];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The full path of <paramref name="location"/> under <paramref name="baseDirectory"/>, refusing any path that leaves it.</summary>
    public static string ResolveSafe(string baseDirectory, string location, string tensorName)
    {
        if (Path.IsPathRooted(location) || location.Contains('\0'))
            throw new InvalidDataException($"onnx: tensor '{tensorName}': external data location '{location}' must be a relative path inside the model's folder.");
        foreach (var part in location.Split('/', '\\'))
            if (part == "..")
                throw new InvalidDataException($"onnx: tensor '{tensorName}': external data location '{location}' must not contain '..'.");
        string root = Path.GetFullPath(baseDirectory);
        if (!root.EndsWith(Path.DirectorySeparatorChar)) root += Path.DirectorySeparatorChar;
        string full = Path.GetFullPath(Path.Combine(root, location));
        if (!full.StartsWith(root, StringComparison.Ordinal))
            throw new InvalidDataException($"onnx: tensor '{tensorName}': external data location '{location}' leads outside the model's folder.");
        var info = new FileInfo(full);
        if (!info.Exists)
            throw new FileNotFoundException($"onnx: tensor '{tensorName}': external data file '{location}' not found beside the model.", full);
        if (info.LinkTarget is not null)
        {
            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            if (target is null || !Path.GetFullPath(target.FullName).StartsWith(root, StringComparison.Ordinal))
                throw new InvalidDataException($"onnx: tensor '{tensorName}': external data location '{location}' is a link that leads outside the model's folder.");
        }
        return full;
    }

    private static long ParseLong(string value, string key, TensorProto proto) =>
        long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long v)
            ? v
            : throw new InvalidDataException($"onnx: tensor '{proto.Name}': external data {key} '{value}' is not a non-negative integer.");
}
