return Avalon.Samples.Common.SampleMain.Run("samples/LstmLanguageModel", Avalon.Samples.LstmLanguageModel.LstmLanguageModelSample.Run, args);
