return Avalon.Samples.Common.SampleMain.Run("samples/DistributedFashionMnist", Avalon.Samples.DistributedFashionMnist.DistributedFashionMnistSample.Run, args);
