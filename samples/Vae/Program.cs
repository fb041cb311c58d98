return Avalon.Samples.Common.SampleMain.Run("samples/Vae", Avalon.Samples.Vae.VaeSample.Run, args);
