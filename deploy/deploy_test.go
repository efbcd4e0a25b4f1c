package deploy

import (
	"math"
	"testing"
)

func TestValidateThrottle(t *testing.T) {
	if err := ValidateRate(DefaultThrottle.Rate); err != nil {
		t.Errorf("default rate: %v", err)
	}
	if err := ValidateBurst(DefaultThrottle.Burst); err != nil {
		t.Errorf("default burst: %v", err)
	}
	for _, rate := range []float64{0.001, 1, 2.5, MaxThrottle} {
		if err := ValidateRate(rate); err != nil {
			t.Errorf("ValidateRate(%v) = %v, want nil", rate, err)
		}
	}
	for _, rate := range []float64{0, -1, MaxThrottle + 1, math.NaN(), math.Inf(1)} {
		if ValidateRate(rate) == nil {
			t.Errorf("ValidateRate(%v) = nil, want an error", rate)
		}
	}
	for _, burst := range []int{1, 100, MaxThrottle} {
		if err := ValidateBurst(burst); err != nil {
			t.Errorf("ValidateBurst(%d) = %v, want nil", burst, err)
		}
	}
	for _, burst := range []int{0, -1, MaxThrottle + 1} {
		if ValidateBurst(burst) == nil {
			t.Errorf("ValidateBurst(%d) = nil, want an error", burst)
		}
	}
}
