using Google.Protobuf;
using Onnx;

namespace Avalon.Onnx.Tests;

/// <summary>Builds small ONNX models in memory for the tests.</summary>
internal sealed class OnnxModelBuilder(long opset = 17)
{
    private readonly GraphProto _graph = new() { Name = "test" };

    public OnnxModelBuilder Input(string name, int elemType = 1, params long[] dims)
    {
        _graph.Input.Add(Value(name, elemType, dims));
        return this;
    }

    public OnnxModelBuilder Output(string name, int elemType = 1)
    {
        _graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elemType } } });
        return this;
    }

    public OnnxModelBuilder Initializer(string name, Tensor value)
    {
        _graph.Initializer.Add(OnnxTensors.FromTensor(value, name));
        return this;
    }

    public OnnxModelBuilder Initializer(TensorProto proto)
    {
        _graph.Initializer.Add(proto);
        return this;
    }

    public OnnxModelBuilder Node(string opType, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = outputs[0] + "_node" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return this;
    }

    public static AttributeProto Int(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };

    public static AttributeProto Ints(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    public static AttributeProto Float(string name, float v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = v };

    public ModelProto Build()
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "avalon-tests", Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    public byte[] Bytes() => Build().ToByteArray();

    public OnnxModule Load() => OnnxModule.Load(Bytes());

    private static ValueInfoProto Value(string name, int elemType, long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elemType, Shape = shape } } };
    }
}
