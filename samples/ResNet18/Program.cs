return Avalon.Samples.ResNet18.ResNet18Sample.Run(args);
