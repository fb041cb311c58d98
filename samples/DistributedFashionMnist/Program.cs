return Avalon.Samples.DistributedFashionMnist.DistributedFashionMnistSample.Run(args);
