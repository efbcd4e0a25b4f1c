// Package rietest is the test support for everything that runs under the
// real AWS Lambda Runtime Interface Emulator (aws-lambda-rie), exported from
// non-test files so that every package's tests import it: find the emulator
// (skipping the test when it is missing, failing it under CI=true), build a
// bootstrap, start one emulator (StartRIE, through riepool.Start, which the
// pool uses too) or a pool of them (NewPool). Its own tests run the function
// image's bootstrap under the emulator against DynamoDB Local: the sample's
// local test flow, without Docker.
//
// The emulator runs on Linux; the image tests need Linux (/proc), the
// emulator and DynamoDB Local, and skip with a hint when those are missing.
package rietest
