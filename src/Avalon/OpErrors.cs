namespace Avalon;

/// <summary>
/// The one place where Avalon builds the exceptions it throws for bad input and bad state: every message
/// is "<c>{op}: {message}</c>", where <c>op</c> is the operation's PyTorch name (<c>conv2d</c>,
/// <c>index_select</c>, <c>Tensor.item</c>, ...) or, for a class-level check, the class's name.
/// </summary>
/// <remarks>
/// The methods return the exception instead of throwing it, so a call site reads
/// <c>throw OpErrors.Argument(...)</c> and the compiler's flow analysis still sees the throw. Which type:
/// <c>Argument</c> for a bad argument (shape, dtype, value, attribute), <c>OutOfRange</c>
/// for an index or a count outside its range (the library never lets an
/// <see cref="IndexOutOfRangeException"/> escape from a user-supplied index), <see cref="State"/> for an
/// object in the wrong state for the call, <see cref="NotSupported"/> for a valid request that is not
/// implemented (a dtype a kernel lacks, a device without a kernel).
/// </remarks>
internal static class OpErrors
{
    /// <summary>"<c>{op}: {message}</c>": the one message format.</summary>
    public static string Format(string op, string message) => op + ": " + message;

    /// <summary>A bad argument of <paramref name="op"/>.</summary>
    public static ArgumentException Argument(string op, string message) => new(Format(op, message));

    /// <summary>A bad argument of <paramref name="op"/>, naming the parameter.</summary>
    public static ArgumentException Argument(string op, string message, string? paramName) => new(Format(op, message), paramName);

    /// <summary>An index, position or count of <paramref name="op"/> outside its valid range.</summary>
    public static ArgumentOutOfRangeException OutOfRange(string op, string? paramName, string message) =>
        new(paramName, Format(op, message));

    /// <summary>An index, position or count of <paramref name="op"/> outside its valid range, with the value given.</summary>
    public static ArgumentOutOfRangeException OutOfRange(string op, string? paramName, object? actualValue, string message) =>
        new(paramName, actualValue, Format(op, message));

    /// <summary>A call of <paramref name="op"/> on an object in the wrong state for it.</summary>
    public static InvalidOperationException State(string op, string message) => new(Format(op, message));

    /// <summary>A valid request of <paramref name="op"/> that is not implemented (a dtype, a device, a mode).</summary>
    public static NotSupportedException NotSupported(string op, string message) => new(Format(op, message));
}
