return Avalon.Samples.RealNvp.RealNvpSample.Run(args);
