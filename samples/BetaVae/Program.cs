return Avalon.Samples.Common.SampleMain.Run("samples/BetaVae", Avalon.Samples.BetaVae.BetaVaeSample.Run, args);
