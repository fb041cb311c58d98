namespace Avalon.Nn;

/// <summary>What <see cref="Module.LoadStateDict"/> could not match (always empty when it was strict).</summary>
/// <param name="MissingKeys">Keys of the module that the state dict did not have.</param>
/// <param name="UnexpectedKeys">Keys of the state dict that the module does not have.</param>
public sealed record LoadStateDictResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);
