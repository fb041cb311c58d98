namespace Avalon.Compiler.CodeGen;

/// <summary>How a generated kernel reads one input along the output's innermost (coalesced) dimension.</summary>
internal enum InputAccess
{
    /// <summary>Stride 1: consecutive elements, loaded a vector at a time.</summary>
    Dense,

    /// <summary>Stride 0 in every dimension: one value for the whole output (a scalar, a 0-d constant), read once.</summary>
    Scalar,

    /// <summary>Stride 0 along the row, not across rows: one value per row (a column vector), read once per row.</summary>
    PerRow,

    /// <summary>Any other stride: read element by element (the general fallback, no vector body).</summary>
    Strided,
}
