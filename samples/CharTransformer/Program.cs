return Avalon.Samples.CharTransformer.CharTransformerSample.Run(args);
