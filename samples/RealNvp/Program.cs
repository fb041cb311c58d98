return Avalon.Samples.Common.SampleMain.Run("samples/RealNvp", Avalon.Samples.RealNvp.RealNvpSample.Run, args);
