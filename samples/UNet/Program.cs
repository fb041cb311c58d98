return Avalon.Samples.UNet.UNetSample.Run(args);
