return Avalon.Samples.Common.SampleMain.Run("samples/CharTransformer", Avalon.Samples.CharTransformer.CharTransformerSample.Run, args);
