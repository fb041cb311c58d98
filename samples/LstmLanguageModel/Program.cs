return Avalon.Samples.LstmLanguageModel.LstmLanguageModelSample.Run(args);
