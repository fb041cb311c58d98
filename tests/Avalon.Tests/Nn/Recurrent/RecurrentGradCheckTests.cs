using Avalon.Nn;
using Avalon.Tests.Primitives.GradCheck;

namespace Avalon.Tests.Nn.Recurrent;

/// <summary>
/// Float64 central differences over every element of the input, the initial states and every parameter
/// of small recurrent configurations (the loss is a fixed random projection of output, h_n and c_n), with
/// the parameters passed in through <see cref="Module.FunctionalCall{T}"/>.
/// </summary>
public sealed class RecurrentGradCheckTests
{
    public static TheoryData<string> Configs() => new(s_configs.Keys);

    private static readonly Dictionary<string, (Func<Module> Create, Func<Module, Tensor[], Tensor[]> Run, int[][] Inputs, bool SecondOrder)> s_configs = new()
    {
        ["RNN(tanh,2 layers,bidirectional,h0)"] = (
            () => new RNN(2, 3, numLayers: 2, bidirectional: true, dtype: DType.Float64, generator: new Generator(3)),
            (m, x) => { var (y, h) = ((RNN)m).Forward(x[0], x[1]); return [y, h]; },
            [[3, 2, 2], [4, 2, 3]], false),
        ["RNN(relu,batch_first,packed)"] = (
            () => new RNN(2, 3, nonlinearity: "relu", batchFirst: true, dtype: DType.Float64, generator: new Generator(4)),
            (m, x) =>
            {
                var (y, h) = ((RNN)m).Forward(RnnUtils.PackPaddedSequence(x[0], [2, 3], batchFirst: true, enforceSorted: false));
                return [RnnUtils.PadPackedSequence(y, batchFirst: true).Padded, h];
            },
            [[2, 3, 2]], false),
        ["LSTM(proj,bidirectional,packed,h0,c0)"] = (
            () => new LSTM(2, 3, bidirectional: true, projSize: 2, dtype: DType.Float64, generator: new Generator(5)),
            (m, x) =>
            {
                var (y, (h, c)) = ((LSTM)m).Forward(RnnUtils.PackPaddedSequence(x[0], [1, 3, 2], enforceSorted: false), (x[1], x[2]));
                return [RnnUtils.PadPackedSequence(y).Padded, h, c];
            },
            [[3, 3, 2], [2, 3, 2], [2, 3, 3]], false),
        ["LSTM(2 layers)"] = (
            () => new LSTM(2, 2, numLayers: 2, dtype: DType.Float64, generator: new Generator(6)),
            (m, x) => { var (y, (h, c)) = ((LSTM)m).Forward(x[0], null); return [y, h, c]; },
            [[2, 1, 2]], true),
        ["GRU(bidirectional,unbatched,h0)"] = (
            () => new GRU(2, 3, bidirectional: true, dtype: DType.Float64, generator: new Generator(7)),
            (m, x) => { var (y, h) = ((GRU)m).Forward(x[0], x[1]); return [y, h]; },
            [[3, 2], [2, 3]], false),
        ["GRUCell"] = (
            () => new GRUCell(2, 2, dtype: DType.Float64, generator: new Generator(8)),
            (m, x) => [((GRUCell)m).Forward(x[0], x[1])],
            [[2, 2], [2, 2]], true),
        ["LSTMCell"] = (
            () => new LSTMCell(2, 2, dtype: DType.Float64, generator: new Generator(9)),
            (m, x) => { var (h, c) = ((LSTMCell)m).Forward(x[0], (x[1], x[2])); return [h, c]; },
            [[2, 2], [2, 2], [2, 2]], true),
        ["RNNCell(relu)"] = (
            () => new RNNCell(2, 3, nonlinearity: "relu", dtype: DType.Float64, generator: new Generator(10)),
            (m, x) => [((RNNCell)m).Forward(x[0], x[1])],
            [[2, 2], [2, 3]], false),
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void GradientsOfInputsStatesAndParametersMatchCentralDifferences(string name)
    {
        var (create, run, inputShapes, secondOrder) = s_configs[name];
        var module = create();
        var names = module.NamedParameters().Select(p => p.Key).ToArray();
        var g = new Generator(11);
        var inputs = inputShapes.Select(s => Tensor.Randn(s, g, DType.Float64)).ToArray();
        var all = inputs.Concat(module.NamedParameters().Select(p => p.Value.Detach())).ToArray();
        Tensor[] Function(Tensor[] xs)
        {
            var parameters = new Dictionary<string, Tensor>();
            for (int i = 0; i < names.Length; i++) parameters[names[i]] = xs[inputs.Length + i];
            return module.FunctionalCall(parameters, () => run(module, xs[..inputs.Length]));
        }
        GradChecker.Check(GradCheckCase.OfOutputs("recurrent", name, Function, all) with { SecondOrder = secondOrder });
    }
}
