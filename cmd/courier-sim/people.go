package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Realistic customer data for generated records: names in Chinese and
// Latin script, mainland mobile and landline numbers, street addresses.
// All of it is made up.

var (
	surnames   = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗", "欧阳", "司马"}
	givenNames = []string{"芳", "娜", "伟", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "桂英", "建华", "志强", "晓东", "子涵", "欣怡", "浩然", "雨桐", "思远", "佳怡"}
	latinNames = []string{"Maria Rossi", "John Smith", "Anna Müller", "Carlos García", "Yuki Tanaka", "Olivia Brown", "Ahmed Khan", "Sophie Martin", "Liam O'Brien", "Nguyễn Văn An", "Kim Min-jun", "Priya Sharma", "Ivan Petrov", "Fatima Zahra", "Lucas Silva"}

	mobilePrefixes = []string{"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157", "158", "159", "166", "176", "177", "180", "181", "186", "187", "188", "189", "199"}
	areaCodes      = []string{"010", "021", "020", "0755", "0571", "028", "027", "025"}

	cities = []struct {
		city      string
		districts []string
	}{
		{"上海市", []string{"浦东新区", "徐汇区", "静安区", "闵行区", "杨浦区"}},
		{"北京市", []string{"朝阳区", "海淀区", "东城区", "丰台区"}},
		{"广州市", []string{"天河区", "越秀区", "海珠区", "白云区"}},
		{"深圳市", []string{"南山区", "福田区", "宝安区", "龙岗区"}},
		{"杭州市", []string{"西湖区", "滨江区", "余杭区", "上城区"}},
		{"成都市", []string{"武侯区", "锦江区", "高新区"}},
		{"武汉市", []string{"洪山区", "江汉区", "武昌区"}},
	}
	streets   = []string{"张杨路", "建国路", "体育西路", "科技南十二路", "文三路", "人民南路", "中山大道", "淮海中路", "长安街", "解放路", "学院路", "滨江大道"}
	buildings = []string{"", "", "SOHO现代城", "国贸大厦", "创业园", "阳光花园", "万科城", "世纪公寓"}
)

// personName returns a name: mostly Chinese (surname + given name), some
// Latin-script.
func personName(r *rand.Rand) string {
	if r.IntN(5) == 0 {
		return pick(r, latinNames)
	}
	return pick(r, surnames) + pick(r, givenNames)
}

// phone returns a mainland mobile number such as 13912345678, sometimes
// written with +86 and spaces, sometimes a landline such as 021-62881234.
func phone(r *rand.Rand) string {
	switch n := r.IntN(20); {
	case n == 0:
		return fmt.Sprintf("%s-%08d", pick(r, areaCodes), 20000000+r.IntN(79999999))
	case n == 1:
		p, rest := pick(r, mobilePrefixes), fmt.Sprintf("%08d", r.IntN(100000000))
		return "+86 " + p + " " + rest[:4] + " " + rest[4:]
	default:
		return pick(r, mobilePrefixes) + fmt.Sprintf("%08d", r.IntN(100000000))
	}
}

// address returns a street address such as 上海市浦东新区张杨路1588号.
func address(r *rand.Rand) string {
	c := cities[r.IntN(len(cities))]
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s%s%d号", c.city, pick(r, c.districts), pick(r, streets), 1+r.IntN(2000))
	if bld := pick(r, buildings); bld != "" {
		fmt.Fprintf(&b, "%s%d号楼%d室", bld, 1+r.IntN(12), 101+r.IntN(30)*100+r.IntN(8))
	}
	return b.String()
}

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }
