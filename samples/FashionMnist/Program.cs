return Avalon.Samples.FashionMnist.FashionMnistSample.RunCommandLine(args);
