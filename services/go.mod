module github.com/ecsplit/ecsplit/services

go 1.26.8
