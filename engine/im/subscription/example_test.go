package subscription_test

import (
	"fmt"

	"xmppd/engine/im/subscription"
)

// Juliet has never dealt with Romeo. His request reaches her server while
// she is offline; she approves it at her next login.
func Example() {
	var juliet subscription.Item // her record for Romeo: none yet

	r := subscription.Inbound(juliet, subscription.Subscribe)
	fmt.Println(r.Item, r.Write, "forward:", r.Forward, "store:", r.StoreRequest, "push:", r.Push)
	juliet = r.Item

	r = subscription.Outbound(juliet, subscription.Subscribed)
	fmt.Println(r.Item, r.Write, "forward:", r.Forward, "push:", r.Push, "then:", r.Effects)
	juliet = r.Item

	// She asks for his presence in return.
	r = subscription.Outbound(juliet, subscription.Subscribe)
	fmt.Println(r.Item, r.Write, "forward:", r.Forward, "push:", r.Push)

	// Output:
	// None + Pending In (unlisted) put forward: true store: true push: false
	// From (listed) put forward: true push: true then: available
	// From + Pending Out (listed) put forward: true push: true
}
