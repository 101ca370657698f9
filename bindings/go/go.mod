module github.com/webpubsub-client/webpubsub-client/bindings/go

go 1.24
