return Avalon.Samples.Common.SampleMain.Run("samples/UNet", Avalon.Samples.UNet.UNetSample.Run, args);
