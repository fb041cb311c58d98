using Avalon.Primitives;

namespace Avalon.Autodiff;

/// <summary>
/// Where a view came from: the tensor it views and the view call that made it (for a several-output view
/// such as split, all of that call's outputs and which one this is). An in-place write through the view
/// uses it to give the base the new history (<see cref="ViewRebase"/>).
/// </summary>
internal sealed record ViewOrigin(Tensor Base, ViewPrimitive Primitive, Attributes Attributes, Tensor[] Outputs, int Index);
