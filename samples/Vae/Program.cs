return Avalon.Samples.Vae.VaeSample.Run(args);
