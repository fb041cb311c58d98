using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>
/// One dense row of where(cond, a, b): out[i] = cond[i] ? a[i·sa] : b[i·sb], with each value operand
/// either dense (stride 1) or a broadcast scalar (stride 0), as where(mask, grad, 0) in ReLU's and the
/// clamps' derivative rules. For 4- and 8-byte elements the condition bytes are widened to element
/// masks and the row is a branch-free vector select: a data-dependent mask makes a per-element branch
/// mispredict about half the time.
/// </summary>
internal static class WhereLoop
{
    /// <summary>Fills <paramref name="output"/>; <paramref name="strideA"/> and <paramref name="strideB"/> are 0 or 1.</summary>
    public static void Run<T>(ReadOnlySpan<bool> condition, ref T a, int strideA, ref T b, int strideB, Span<T> output)
        where T : unmanaged
    {
        if (condition.Length != output.Length)
            throw OpErrors.Argument("WhereLoop", "condition and output lengths differ.");
        if ((uint)strideA > 1 || (uint)strideB > 1)
            throw OpErrors.Argument("WhereLoop", $"value strides must be 0 or 1, got {strideA} and {strideB}.");
        ref byte rc = ref Unsafe.As<bool, byte>(ref MemoryMarshal.GetReference(condition));
        ref T ro = ref MemoryMarshal.GetReference(output);
        int n = output.Length, i = 0;
        if (Vector256.IsHardwareAccelerated && Unsafe.SizeOf<T>() is 4 or 8)
        {
            Vector256<T> scalarA = strideA == 0 ? Vector256.Create(a) : default;
            Vector256<T> scalarB = strideB == 0 ? Vector256.Create(b) : default;
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                Vector256<T> mask = Mask<T>(ref Unsafe.Add(ref rc, i));
                Vector256<T> va = strideA == 0 ? scalarA : Vector256.LoadUnsafe(ref a, (nuint)i);
                Vector256<T> vb = strideB == 0 ? scalarB : Vector256.LoadUnsafe(ref b, (nuint)i);
                Vector256.ConditionalSelect(mask, va, vb).StoreUnsafe(ref ro, (nuint)i);
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref ro, i) = Unsafe.Add(ref rc, i) != 0 ? Unsafe.Add(ref a, i * strideA) : Unsafe.Add(ref b, i * strideB);
    }

    /// <summary>All-ones lanes where the condition byte is non-zero, for the next Vector256&lt;T&gt;.Count bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Mask<T>(ref byte condition) where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() == 4)
        {
            // 8 bytes → 8 × uint32.
            var bytes = Vector256.Create(Vector128.CreateScalar(Unsafe.ReadUnaligned<ulong>(ref condition)), Vector128<ulong>.Zero).AsByte();
            Vector256<uint> wide = Vector256.WidenLower(Vector256.WidenLower(bytes));
            return (~Vector256.Equals(wide, Vector256<uint>.Zero)).As<uint, T>();
        }
        else
        {
            // 4 bytes → 4 × uint64.
            var bytes = Vector256.Create(Vector128.CreateScalar(Unsafe.ReadUnaligned<uint>(ref condition)), Vector128<uint>.Zero).AsByte();
            Vector256<ulong> wide = Vector256.WidenLower(Vector256.WidenLower(Vector256.WidenLower(bytes)));
            return (~Vector256.Equals(wide, Vector256<ulong>.Zero)).As<ulong, T>();
        }
    }
}
