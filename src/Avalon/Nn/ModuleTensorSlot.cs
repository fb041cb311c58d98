namespace Avalon.Nn;

/// <summary>
/// A parameter or buffer that a module holds outside its fields (a module whose tensors are only
/// known at run time, such as an imported graph), returned by <see cref="Module.AdditionalTensors"/>.
/// </summary>
/// <param name="Name">The local key (may contain dots, which then appear unchanged in dotted paths).</param>
/// <param name="Value">The tensor.</param>
/// <param name="IsBuffer">True for a buffer, false for a parameter.</param>
/// <param name="Persistent">For buffers: whether it goes into the state dict.</param>
/// <param name="Replace">Puts another tensor in its place (used by <c>To</c>, <c>SetState</c>, <c>FunctionalCall</c>).</param>
public readonly record struct ModuleTensorSlot(string Name, Tensor Value, bool IsBuffer, bool Persistent, Action<Tensor> Replace);
