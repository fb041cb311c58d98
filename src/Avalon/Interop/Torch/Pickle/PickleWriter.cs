using System.Buffers.Binary;
using System.Text;

namespace Avalon.Interop.Torch.Pickle;

/// <summary>Emits pickle protocol 2 opcodes, the protocol <c>torch.save</c> writes.</summary>
internal sealed class PickleWriter
{
    private readonly MemoryStream _out = new();

    public PickleWriter() => _out.Write([0x80, 2]);   // PROTO 2

    public void Mark() => _out.WriteByte((byte)'(');

    public void Tuple() => _out.WriteByte((byte)'t');

    public void EmptyTuple() => _out.WriteByte((byte)')');

    public void Reduce() => _out.WriteByte((byte)'R');

    public void SetItems() => _out.WriteByte((byte)'u');

    public void PersistentId() => _out.WriteByte((byte)'Q');

    public void False() => _out.WriteByte(0x89);

    public void Global(string module, string name)
    {
        _out.WriteByte((byte)'c');
        _out.Write(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));
    }

    public void String(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, checked((uint)bytes.Length));
        _out.WriteByte((byte)'X');
        _out.Write(length);
        _out.Write(bytes);
    }

    public void Int(long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        if (value is >= 0 and < 256)
        {
            _out.Write([(byte)'K', (byte)value]);
        }
        else if (value is >= int.MinValue and <= int.MaxValue)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes, (int)value);
            _out.WriteByte((byte)'J');
            _out.Write(bytes[..4]);
        }
        else
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
            _out.Write([0x8a, 8]);   // LONG1, eight bytes of two's complement
            _out.Write(bytes);
        }
    }

    public void IntTuple(ReadOnlySpan<int> values)
    {
        Mark();
        foreach (int v in values) Int(v);
        Tuple();
    }

    /// <summary>Ends the pickle (STOP) and returns its bytes.</summary>
    public byte[] Finish()
    {
        _out.WriteByte((byte)'.');
        return _out.ToArray();
    }
}
