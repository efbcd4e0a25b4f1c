package apitest

import "testing"

func TestGetTarget(t *testing.T) {
	tests := []struct {
		year  int
		title string
		want  string
	}{
		{2013, "Rush", "/get/2013/Rush"},
		{1997, "Face/Off", "/get/1997/Face/Off"},
		{2013, "Pain & Gain", "/get/2013/Pain%20&%20Gain"},
		{2000, "Amélie", "/get/2000/Am%C3%A9lie"},
		{2011, "What's Your Number?", "/get/2011?title=What%27s+Your+Number%3F"},
		{2000, "100% Love", "/get/2000?title=100%25+Love"},
		{2000, "Ends/", "/get/2000?title=Ends%2F"},
		{2000, "C++ #1", "/get/2000/C++%20%231"},
	}
	for _, tt := range tests {
		if got := GetTarget(tt.year, tt.title); got != tt.want {
			t.Errorf("GetTarget(%d, %q) = %q, want %q", tt.year, tt.title, got, tt.want)
		}
	}
}
