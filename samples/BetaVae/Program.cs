return Avalon.Samples.BetaVae.BetaVaeSample.Run(args);
