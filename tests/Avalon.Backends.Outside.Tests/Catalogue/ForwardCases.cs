using Avalon.Optim;

namespace Avalon.Backends.Outside.Tests.Catalogue;

/// <summary>
/// A forward-only case for a primitive the grad-check catalogue cannot reach (no derivative rule:
/// comparisons, logical ops, arg-reductions, random draws, the fused optimiser updates): a function that
/// builds its own inputs (on the default device) and returns the values to compare.
/// </summary>
internal sealed record ForwardCase(string Primitive, string Name, Func<Tensor[]> Run)
{
    public override string ToString() => $"{Primitive}: {Name}";
}

/// <summary>The forward-only cases, one or more per primitive without a derivative rule.</summary>
internal static class ForwardCases
{
    private static Tensor R(ulong seed, params int[] shape) => Tensor.Randn(shape, new Generator(seed), DType.Float64);

    // Values with ties and exact zeros, so comparisons and counts see every outcome.
    private static Tensor Ties() => Tensor.From(new[] { 1.0, -2, 0, 1, 3, 0, -2, 5 }, 2, 4);

    private static Tensor Specials() => Tensor.From(new[] { 1.0f, float.NaN, float.PositiveInfinity, -0f, float.NegativeInfinity, -3.5f });

    public static List<ForwardCase> All()
    {
        var cases = new List<ForwardCase>
        {
            new("eq", "ties", () => [Ties().Eq(Ties().Flip(1)), Ties().Eq(1)]),
            new("ne", "ties", () => [Ties().Ne(Ties().Flip(1))]),
            new("lt", "ties", () => [Ties().Lt(Ties().Flip(1)), Ties().Lt(0.5)]),
            new("le", "ties", () => [Ties().Le(Ties().Flip(1))]),
            new("gt", "broadcast", () => [R(1, 3, 4).Gt(R(2, 4))]),
            new("ge", "ties", () => [Ties().Ge(Ties().Flip(1))]),
            new("isnan", "specials", () => [Specials().IsNan()]),
            new("isinf", "specials", () => [Specials().IsInf()]),
            new("isfinite", "specials", () => [Specials().IsFinite()]),
            new("logical_and", "broadcast", () => [Ties().Gt(0).LogicalAnd(Tensor.From(new[] { true, false, true, true }))]),
            new("logical_or", "ties", () => [Ties().Gt(0).LogicalOr(Ties().Lt(-1))]),
            new("logical_xor", "ties", () => [Ties().Gt(0).LogicalXor(Ties().Ne(0))]),
            new("logical_not", "ties", () => [Ties().Gt(0).LogicalNot()]),
            new("all", "dim and whole", () => [Ties().Ne(0).All(1), Ties().Ne(7).All()]),
            new("any", "dim and whole", () => [Ties().Gt(4).Any(0, keepDim: true), Ties().Gt(9).Any()]),
            new("count_nonzero", "dims", () => [Ties().CountNonzero(1), Ties().CountNonzero()]),
            new("argmax", "ties keep the first", () => [Ties().ArgMax(1), Ties().T.ArgMax()]),
            new("argmin", "ties keep the first", () => [Ties().ArgMin(0, keepDim: true)]),
            new("one_hot", "int64 indices", () => [Tensor.OneHot(Tensor.From(new long[] { 2, 0, 3, 3 }, 2, 2), 5)]),
            new("rand", "float32 and float64", () => [Tensor.Rand([3, 5], new Generator(11)), Tensor.Rand([4], new Generator(12), DType.Float64)]),
            new("randn", "float64", () => [Tensor.Randn([2, 7], new Generator(13), DType.Float64)]),
            new("randint", "int64 and int32", () => [Tensor.RandInt(-3, 9, [6], new Generator(14)), Tensor.RandInt(0, 4, [2, 3], new Generator(15), DType.Int32)]),
            new("bernoulli", "probabilities", () => [Tensor.Rand([4, 6], new Generator(16), DType.Float64).Bernoulli(new Generator(17))]),
            new("dropout", "float32 forward", () => [Tensor.Ones([3, 8]).Dropout(0.5, true, new Generator(18))]),
            new("detach", "view of a strided tensor", () => [R(19, 3, 4).T.Detach()]),
        };
        cases.AddRange(Optimisers());
        return cases;
    }

    /// <summary>Two steps of each optimiser configuration (each a different fused update primitive); the parameters and every state tensor are compared.</summary>
    private static IEnumerable<ForwardCase> Optimisers()
    {
        (string Primitive, string Name, Func<Tensor[], Optimizer> Make)[] configs =
        [
            ("sgd_update_", "SGD", ps => new Sgd(ps, lr: 0.1, weightDecay: 0.01)),
            ("sgd_momentum_update_", "SGD momentum nesterov", ps => new Sgd(ps, lr: 0.1, momentum: 0.9, nesterov: true)),
            ("adam_update_", "Adam", ps => new Adam(ps, lr: 0.05)),
            ("adam_update_", "AdamW", ps => new AdamW(ps, lr: 0.05)),
            ("adam_amsgrad_update_", "Adam amsgrad", ps => new Adam(ps, lr: 0.05, amsgrad: true)),
            ("rmsprop_update_", "RMSprop", ps => new RmsProp(ps, lr: 0.01)),
            ("rmsprop_momentum_update_", "RMSprop momentum", ps => new RmsProp(ps, lr: 0.01, momentum: 0.5)),
            ("rmsprop_centered_update_", "RMSprop centered", ps => new RmsProp(ps, lr: 0.01, centered: true)),
            ("rmsprop_centered_momentum_update_", "RMSprop centered momentum", ps => new RmsProp(ps, lr: 0.01, momentum: 0.5, centered: true)),
            ("adagrad_update_", "Adagrad", ps => new Adagrad(ps, lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1)),
        ];
        foreach (var (primitive, name, make) in configs)
            yield return new(primitive, name + ", two steps", () =>
            {
                var w = R(20, 3, 4).RequiresGrad_();
                var b = R(21, 4).RequiresGrad_();
                var optimizer = make([w, b]);
                for (int step = 0; step < 2; step++)
                {
                    optimizer.ZeroGrad();
                    ((w * w).Sum() + (w.Sin() * b).Sum() + b.Exp().Sum()).Backward();
                    optimizer.Step();
                }
                var state = optimizer.StateDict();
                return [w.Detach(), b.Detach(), .. StateTensors(state.State)];
            });
    }

    private static IEnumerable<Tensor> StateTensors(object state) => state switch
    {
        Tensor t => [t],
        System.Collections.IDictionary d => d.Values.Cast<object>().SelectMany(StateTensors),
        System.Collections.IEnumerable e and not string => e.Cast<object>().SelectMany(StateTensors),
        _ => [],
    };
}
