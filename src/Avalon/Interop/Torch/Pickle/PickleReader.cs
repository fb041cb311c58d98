using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Avalon.Interop.Torch.Pickle;

/// <summary>
/// A restricted unpickler for pickle protocols 2 to 5: it builds plain values (None, bool, int, float,
/// str, bytes, tuple, list, dict, set) itself and hands every global, persistent id, call and BUILD to
/// <see cref="IPickleHooks"/>, which admits only an allow-list. It runs nothing from the file.
/// </summary>
/// <remarks>
/// Every length in the data is checked against the bytes that remain before anything is allocated, so
/// the memory of a load is proportional to the pickle's size. Opcodes outside the subset (the text
/// opcodes of protocols 0 and 1, INST, OBJ, EXT*, PERSID, out-of-band buffers) are refused by name.
/// </remarks>
internal sealed class PickleReader
{
    /// <summary>The most memo entries a pickle may define (far beyond any state dict's).</summary>
    public const int MaxMemo = 10_000_000;

    private static readonly object s_mark = new();

    private readonly ReadOnlyMemory<byte> _data;
    private readonly string _source;
    private readonly IPickleHooks _hooks;
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];
    private int _position;

    public PickleReader(ReadOnlyMemory<byte> data, string source, IPickleHooks hooks)
    {
        _data = data;
        _source = source;
        _hooks = hooks;
    }

    /// <summary>Where the next read starts: after <see cref="Load"/>, the byte after its STOP.</summary>
    public int Position => _position;

    /// <summary>Reads one pickle (up to its STOP) from the current position and returns its value.</summary>
    public object? Load()
    {
        _stack.Clear();
        _marks.Clear();
        _memo.Clear();
        while (true)
        {
            int at = _position;
            byte op = ReadByte();
            switch (op)
            {
                case 0x80: // PROTO
                {
                    byte protocol = ReadByte();
                    if (protocol is < 2 or > 5)
                        throw Corrupt(at, $"pickle protocol {protocol} is not supported (expected 2 to 5)");
                    break;
                }
                case 0x95: // FRAME: a length prefix only; the data follows inline.
                    ReadLength(8, at);
                    break;
                case (byte)'.': // STOP
                {
                    if (_marks.Count != 0 || _stack.Count != 1)
                        throw Corrupt(at, $"STOP with {_stack.Count} values on the stack and {_marks.Count} open marks; expected exactly one value");
                    return Pop(at);
                }
                case (byte)'(': // MARK
                    _marks.Push(_stack.Count);
                    _stack.Add(s_mark);
                    break;
                case (byte)'0': // POP
                    Pop(at);
                    break;
                case (byte)'1': // POP_MARK
                    PopMark(at);
                    break;
                case (byte)'2': // DUP
                    Push(Peek(at));
                    break;
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4, at))); break;
                case (byte)'K': Push((long)ReadByte()); break;
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2, at))); break;
                case 0x8a: Push(ReadLong(Take(ReadByte(), at))); break;                    // LONG1
                case 0x8b: Push(ReadLong(Take(ReadLength(4, at), at))); break;             // LONG4
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8, at))); break;  // BINFLOAT
                case (byte)'X': Push(ReadUtf8(ReadLength(4, at), at)); break;              // BINUNICODE
                case 0x8c: Push(ReadUtf8(ReadByte(), at)); break;                          // SHORT_BINUNICODE
                case 0x8d: Push(ReadUtf8(ReadLength(8, at), at)); break;                   // BINUNICODE8
                case (byte)'T': Push(Encoding.Latin1.GetString(Take(ReadLength(4, at), at))); break; // BINSTRING (Python 2 str)
                case (byte)'U': Push(Encoding.Latin1.GetString(Take(ReadByte(), at))); break;        // SHORT_BINSTRING
                case (byte)'B': Push(Take(ReadLength(4, at), at).ToArray()); break;         // BINBYTES
                case (byte)'C': Push(Take(ReadByte(), at).ToArray()); break;                // SHORT_BINBYTES
                case 0x8e: Push(Take(ReadLength(8, at), at).ToArray()); break;              // BINBYTES8
                case 0x96: Push(Take(ReadLength(8, at), at).ToArray()); break;              // BYTEARRAY8
                case (byte)']': Push(new List<object?>()); break;                           // EMPTY_LIST
                case (byte)'l': Push(new List<object?>(PopMark(at))); break;                // LIST
                case (byte)'a': // APPEND
                {
                    var item = Pop(at);
                    ListAt(_stack.Count - 1, at).Add(item);
                    break;
                }
                case (byte)'e': // APPENDS
                {
                    var items = PopMark(at);
                    ListAt(_stack.Count - 1, at).AddRange(items);
                    break;
                }
                case (byte)')': Push(new PickleTuple([])); break;                           // EMPTY_TUPLE
                case (byte)'t': Push(new PickleTuple(PopMark(at))); break;                 // TUPLE
                case 0x85: Push(new PickleTuple([Pop(at)])); break;                        // TUPLE1
                case 0x86: { var b = Pop(at); var a = Pop(at); Push(new PickleTuple([a, b])); break; }
                case 0x87: { var c = Pop(at); var b = Pop(at); var a = Pop(at); Push(new PickleTuple([a, b, c])); break; }
                case (byte)'}': Push(new PickleDict()); break;                              // EMPTY_DICT
                case (byte)'d': // DICT
                {
                    var items = PopMark(at);
                    var dict = new PickleDict();
                    SetItems(dict, items, at);
                    Push(dict);
                    break;
                }
                case (byte)'s': // SETITEM
                {
                    var value = Pop(at);
                    var key = Pop(at);
                    SetItem(DictAt(_stack.Count - 1, at), key, value, at);
                    break;
                }
                case (byte)'u': // SETITEMS
                {
                    var items = PopMark(at);
                    SetItems(DictAt(_stack.Count - 1, at), items, at);
                    break;
                }
                case 0x8f: Push(new PickleSet()); break;                                     // EMPTY_SET
                case 0x90: // ADDITEMS
                {
                    var items = PopMark(at);
                    if (Peek(at) is not PickleSet set) throw Corrupt(at, $"ADDITEMS on a {Describe(Peek(at))}, not a set");
                    foreach (var item in items) set.Add(Key(item, at));
                    break;
                }
                case 0x91: // FROZENSET
                {
                    var set = new PickleSet();
                    foreach (var item in PopMark(at)) set.Add(Key(item, at));
                    Push(set);
                    break;
                }
                case (byte)'c': // GLOBAL "module\nname\n"
                {
                    string module = ReadLine(at);
                    string name = ReadLine(at);
                    Push(_hooks.ResolveGlobal(module, name));
                    break;
                }
                case 0x93: // STACK_GLOBAL
                {
                    var name = Pop(at);
                    var module = Pop(at);
                    if (module is not string m || name is not string n)
                        throw Corrupt(at, $"STACK_GLOBAL needs two strings, got {Describe(module)} and {Describe(name)}");
                    Push(_hooks.ResolveGlobal(m, n));
                    break;
                }
                case (byte)'R': // REDUCE
                {
                    var arguments = Pop(at);
                    var callable = Pop(at);
                    if (arguments is not PickleTuple args) throw Corrupt(at, $"REDUCE needs an argument tuple, got {Describe(arguments)}");
                    Push(_hooks.Call(callable, [.. args]));
                    break;
                }
                case 0x81: // NEWOBJ: cls.__new__(cls, *args)
                {
                    var arguments = Pop(at);
                    var cls = Pop(at);
                    if (arguments is not PickleTuple args) throw Corrupt(at, $"NEWOBJ needs an argument tuple, got {Describe(arguments)}");
                    Push(_hooks.Call(cls, [.. args]));
                    break;
                }
                case (byte)'b': // BUILD
                {
                    var state = Pop(at);
                    var target = Pop(at);
                    Push(_hooks.Build(target, state));
                    break;
                }
                case (byte)'Q': // BINPERSID
                    Push(_hooks.PersistentLoad(Pop(at)));
                    break;
                case (byte)'q': Memo(ReadByte(), at); break;                               // BINPUT
                case (byte)'r': Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4, at)), at); break; // LONG_BINPUT
                case 0x94: Memo(_memo.Count, at); break;                                    // MEMOIZE
                case (byte)'h': Push(Recall(ReadByte(), at)); break;                        // BINGET
                case (byte)'j': Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4, at)), at)); break; // LONG_BINGET
                default:
                    throw Corrupt(at, $"opcode {OpcodeName(op)} is not allowed (restricted unpickler: protocols 2 to 5, no code execution)");
            }
        }
    }

    private static string OpcodeName(byte op) => op switch
    {
        (byte)'i' => "INST",
        (byte)'o' => "OBJ",
        (byte)'P' => "PERSID",
        0x82 => "EXT1",
        0x83 => "EXT2",
        0x84 => "EXT4",
        0x92 => "NEWOBJ_EX",
        0x97 => "NEXT_BUFFER",
        0x98 => "READONLY_BUFFER",
        (byte)'I' => "INT (protocol 0)",
        (byte)'L' => "LONG (protocol 0)",
        (byte)'F' => "FLOAT (protocol 0)",
        (byte)'S' => "STRING (protocol 0)",
        (byte)'V' => "UNICODE (protocol 0)",
        (byte)'g' => "GET (protocol 0)",
        (byte)'p' => "PUT (protocol 0)",
        _ => $"0x{op:x2}",
    };

    private void Push(object? value) => _stack.Add(value);

    private object? Peek(int at)
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks.Peek() == _stack.Count - 1))
            throw Corrupt(at, "the stack is empty where an opcode needs a value");
        return _stack[^1];
    }

    private object? Pop(int at)
    {
        var value = Peek(at);
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    /// <summary>The values above the topmost mark, removing them and the mark.</summary>
    private object?[] PopMark(int at)
    {
        if (_marks.Count == 0) throw Corrupt(at, "an opcode needs a MARK but there is none");
        int mark = _marks.Pop();
        var items = _stack.GetRange(mark + 1, _stack.Count - mark - 1).ToArray();
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private List<object?> ListAt(int index, int at)
    {
        if (index < 0 || (_marks.Count > 0 && _marks.Peek() >= index) || _stack[index] is not List<object?> list)
            throw Corrupt(at, $"APPEND needs a list below its items, got {(index < 0 ? "nothing" : Describe(_stack[index]))}");
        return list;
    }

    private PickleDict DictAt(int index, int at)
    {
        if (index < 0 || (_marks.Count > 0 && _marks.Peek() >= index) || _stack[index] is not PickleDict dict)
            throw Corrupt(at, $"SETITEM needs a dict below its items, got {(index < 0 ? "nothing" : Describe(_stack[index]))}");
        return dict;
    }

    private void SetItems(PickleDict dict, object?[] items, int at)
    {
        if (items.Length % 2 != 0) throw Corrupt(at, $"SETITEMS with an odd number of values ({items.Length})");
        for (int i = 0; i < items.Length; i += 2) SetItem(dict, items[i], items[i + 1], at);
    }

    private void SetItem(PickleDict dict, object? key, object? value, int at) => dict[Key(key, at)] = value;

    private object Key(object? key, int at) => key switch
    {
        string or long or bool or double or BigInteger => key,
        PickleTuple t when t.All(item => item is null or string or long or bool or double or BigInteger) => t,
        _ => throw Corrupt(at, $"a dict key or set item of type {Describe(key)} is not supported (expected str, int, float, bool or a tuple of those)"),
    };

    private void Memo(long index, int at)
    {
        if (_stack.Count == 0 || _stack[^1] == s_mark) throw Corrupt(at, "PUT with nothing on the stack");
        if (_memo.Count >= MaxMemo && !_memo.ContainsKey(index)) throw Corrupt(at, $"more than {MaxMemo} memo entries");
        _memo[index] = _stack[^1];
    }

    private object? Recall(long index, int at) =>
        _memo.TryGetValue(index, out var value) ? value : throw Corrupt(at, $"GET of memo entry {index}, which was never PUT");

    private byte ReadByte()
    {
        if (_position >= _data.Length) throw Corrupt(_position, "the pickle ends before its STOP opcode (truncated)");
        return _data.Span[_position++];
    }

    private ReadOnlySpan<byte> Take(long count, int at)
    {
        if (count < 0 || count > _data.Length - _position)
            throw Corrupt(at, $"a value of {count} bytes runs past the end of the pickle ({_data.Length - _position} bytes remain)");
        var span = _data.Span.Slice(_position, (int)count);
        _position += (int)count;
        return span;
    }

    /// <summary>A length field of <paramref name="size"/> bytes (4 or 8), checked against the bytes that remain.</summary>
    private long ReadLength(int size, int at)
    {
        var bytes = Take(size, at);
        long length = size == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : unchecked((long)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        if (length < 0 || length > _data.Length - _position)
            throw Corrupt(at, $"a length of {(ulong)length} bytes runs past the end of the pickle ({_data.Length - _position} bytes remain)");
        return length;
    }

    private static object ReadLong(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return 0L;
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : value;
    }

    private string ReadUtf8(long length, int at)
    {
        var bytes = Take(length, at);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw Corrupt(at, "a string is not valid UTF-8", e);
        }
    }

    private string ReadLine(int at)
    {
        var rest = _data.Span[_position..];
        int newline = rest.IndexOf((byte)'\n');
        if (newline < 0 || newline > 1024) throw Corrupt(at, "GLOBAL's module or name is not a line of at most 1024 bytes");
        string line = Encoding.ASCII.GetString(rest[..newline]);
        _position += newline + 1;
        return line;
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        PickleGlobal g => g.FullName,
        _ => value == s_mark ? "MARK" : value.GetType().Name,
    };

    private InvalidDataException Corrupt(int at, string problem, Exception? inner = null) =>
        new($"torch: {_source}: pickle: {problem} (at byte {at} of the pickle).", inner);
}
