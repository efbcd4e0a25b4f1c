# syntax=docker/dockerfile:1
# The movies Lambda image, for those who build with Docker. Without Docker,
# `movies image build` makes an equivalent, reproducible image.
#
#   docker build --platform linux/arm64 -t movies:arm64 .
#   docker run --rm -p 9000:8080 -e AWS_REGION=us-east-1 movies:arm64 list
#
# The build stage cross-compiles for the target platform; the flags match bootstrap.Flags (image/bootstrap).
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS=linux
ARG TARGETARCH=arm64
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -tags lambda.norpc -ldflags "-s -w -buildid=" -o /out/bootstrap ./cmd/bootstrap

# The base image's entrypoint runs /var/runtime/bootstrap with _HANDLER set to
# the command (and under its bundled emulator when run outside Lambda).
FROM public.ecr.aws/lambda/provided:al2023
COPY --from=build /out/bootstrap /var/runtime/bootstrap
CMD ["list"]
