module github.com/doctales/doctales

go 1.26.8

require github.com/aws/aws-lambda-go v1.55.1

require (
	github.com/stretchr/testify v1.12.1 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
)
