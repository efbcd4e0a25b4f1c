package dynamodb

import "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

// itemSize returns the size DynamoDB counts for an item against its limit:
// attribute names plus values, with the documented overheads for maps and
// lists (3 bytes, and 1 byte per element) and numbers sized as DynamoDB Local
// sizes them (see numberSize).
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for k, v := range item {
		n += len(k) + attrSize(v)
	}
	return n
}

// attrSize estimates the stored size of one attribute value.
func attrSize(av types.AttributeValue) int {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return numberSize(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += len(k) + attrSize(e) + 1
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += attrSize(e) + 1
		}
		return n
	default:
		return 0
	}
}
