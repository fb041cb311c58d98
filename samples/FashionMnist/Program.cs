return Avalon.Samples.FashionMnist.FashionMnistSample.Run(args);
