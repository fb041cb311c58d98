return Avalon.Samples.Common.SampleMain.Run("samples/ResNet18", Avalon.Samples.ResNet18.ResNet18Sample.Run, args);
