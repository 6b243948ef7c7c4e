// Command ceiling is the yardstick for bench/serve/load.sh on a shared
// machine: a Gin server in release mode that answers every POST with a
// fixed JSON body after reading the request, the ceiling any Gin scoring
// server can reach on the same cores at the same moment. load.sh ceiling
// runs it with the same wrk settings as the scoring runs.
package main

import (
	"flag"
	"io"
	"log"
	"net/http"

	"github.com/gin-gonic/gin"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18081", "listen address")
	flag.Parse()
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	body := []byte(`{"learner_id":"u0","ability":{"value":0.1,"sd":0.5}}`)
	e.POST("/*path", func(c *gin.Context) {
		io.Copy(io.Discard, c.Request.Body)
		c.Data(http.StatusOK, "application/json", body)
	})
	log.Fatal(http.ListenAndServe(*addr, e))
}
