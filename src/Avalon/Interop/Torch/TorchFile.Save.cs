using System.Globalization;
using System.IO.Compression;
using Avalon.Data;
using Avalon.Interop.Torch.Pickle;

namespace Avalon.Interop.Torch;

public static partial class TorchFile
{
    /// <summary>
    /// Writes a state dict in <c>torch.save</c>'s zip format, atomically, as an <c>OrderedDict</c> of
    /// tensors that <c>torch.load(path, weights_only=True)</c> reads back.
    /// </summary>
    /// <param name="path">The file to write (conventionally <c>.pt</c>); an existing file is replaced only once the new one is complete.</param>
    /// <param name="stateDict">The tensors by key, in the order to write them (for example <c>model.StateDict()</c>).</param>
    /// <remarks>
    /// Each tensor is written with its own contiguous storage (a view is written as its elements, not its
    /// base); tensors on another device are copied to the host. The archive is named after the file
    /// (<c>model.pt</c> holds <c>model/data.pkl</c>), as PyTorch names it, and its entries are stored uncompressed.
    /// </remarks>
    /// <exception cref="ArgumentException">A key is null, empty or given twice.</exception>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> stateDict)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(stateDict);
        var tensors = Prepare(stateDict);
        string archive = ArchiveName(Path.GetFileNameWithoutExtension(path));
        AtomicFile.Write(path, stream => Write(stream, tensors, archive));
    }

    /// <summary>Writes a state dict in <c>torch.save</c>'s zip format to <paramref name="stream"/> (see <see cref="Save(string, IEnumerable{KeyValuePair{string, Tensor}})"/>), with the archive name <c>archive</c>.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="stateDict">The tensors by key.</param>
    public static void Save(Stream stream, IEnumerable<KeyValuePair<string, Tensor>> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(stateDict);
        Write(stream, Prepare(stateDict), "archive");
    }

    /// <summary>The file name's stem with characters other than letters, digits, '_', '-' and '.' replaced, as the archive's folder.</summary>
    private static string ArchiveName(string stem)
    {
        var chars = stem.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_').ToArray();
        return chars.Length == 0 ? "archive" : new string(chars);
    }

    private static List<KeyValuePair<string, Tensor>> Prepare(IEnumerable<KeyValuePair<string, Tensor>> stateDict)
    {
        var list = new List<KeyValuePair<string, Tensor>>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, tensor) in stateDict)
        {
            if (string.IsNullOrEmpty(key)) throw OpErrors.Argument("TorchFile.Save", "a key is null or empty.", nameof(stateDict));
            if (!keys.Add(key)) throw OpErrors.Argument("TorchFile.Save", $"the key '{key}' is given twice.", nameof(stateDict));
            ArgumentNullException.ThrowIfNull(tensor, $"stateDict['{key}']");
            _ = TorchStorageType.For(tensor.DType);
            list.Add(new(key, tensor.Device == Device.Cpu ? tensor : tensor.CopiedTo(Device.Cpu)));
        }
        return list;
    }

    private static void Write(Stream stream, List<KeyValuePair<string, Tensor>> tensors, string archive)
    {
        var pickle = new PickleWriter();
        pickle.Global("collections", "OrderedDict");
        pickle.EmptyTuple();
        pickle.Reduce();
        pickle.Mark();
        for (int i = 0; i < tensors.Count; i++)
        {
            var (key, tensor) = tensors[i];
            var type = TorchStorageType.For(tensor.DType);
            pickle.String(key);
            pickle.Global("torch._utils", "_rebuild_tensor_v2");
            pickle.Mark();
            pickle.Mark();
            pickle.String("storage");
            pickle.Global("torch", type.Name);
            pickle.String(i.ToString(CultureInfo.InvariantCulture));
            pickle.String("cpu");
            pickle.Int(tensor.Numel);
            pickle.Tuple();
            pickle.PersistentId();
            pickle.Int(0);
            pickle.IntTuple(tensor.Shape.ToArray());
            pickle.IntTuple(ShapeUtil.ContiguousStrides(tensor.Shape.ToArray()));
            pickle.False();
            pickle.Global("collections", "OrderedDict");
            pickle.EmptyTuple();
            pickle.Reduce();
            pickle.Tuple();
            pickle.Reduce();
        }
        pickle.SetItems();
        var data = pickle.Finish();

        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        WriteEntry(zip, archive + "/data.pkl", data);
        WriteEntry(zip, archive + "/byteorder", "little"u8);
        for (int i = 0; i < tensors.Count; i++)
            WriteEntry(zip, archive + "/data/" + i.ToString(CultureInfo.InvariantCulture), HostTensors.Bytes(tensors[i].Value));
        WriteEntry(zip, archive + "/version", "3\n"u8);
    }

    private static void WriteEntry(ZipArchive zip, string name, ReadOnlySpan<byte> bytes)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
        // The fixed date torch.save writes, so the same state dict gives the same bytes.
        entry.LastWriteTime = new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var output = entry.Open();
        output.Write(bytes);
    }
}
