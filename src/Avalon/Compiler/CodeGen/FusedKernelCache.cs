using System.Collections.Concurrent;
using Avalon.Compiler.Fusion;

namespace Avalon.Compiler.CodeGen;

/// <summary>
/// Generated kernels by structural key (the expression's <see cref="FusedExpression.Key"/>, the layout
/// kind and the vector width), so that each pattern compiles once per process, whichever tape or call
/// site it comes from.
/// </summary>
public static class FusedKernelCache
{
    private static readonly ConcurrentDictionary<string, Lazy<FusedKernel>> s_kernels = new(StringComparer.Ordinal);

    /// <summary>How many kernels have been generated so far.</summary>
    public static int Count => s_kernels.Count;

    /// <summary>Raised once for each kernel right after it is generated (the compiler prints its listing at AVALON_DEBUG=3).</summary>
    public static event Action<FusedKernel>? Generated;

    internal static FusedKernel Get(FusedExpression expression, FusedLayout layout, VectorWidth width)
    {
        string key = expression.Key + "|" + layout.Key + "|" + width;
        var lazy = s_kernels.GetOrAdd(key, _ => new Lazy<FusedKernel>(() =>
        {
            var kernel = FusedKernelCompiler.Compile(expression, layout, width);
            Generated?.Invoke(kernel);
            return kernel;
        }));
        return lazy.Value;
    }
}
